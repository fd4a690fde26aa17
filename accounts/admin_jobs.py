"""Failures of batch jobs (issue 15, item 3), read-only: what a run skipped, newest first."""

from django.contrib import admin

from .admin_logs import ReadOnlyAdmin
from .admin_paging import LargeListAdmin
from .models import JobFailure


@admin.register(JobFailure)
class JobFailureAdmin(LargeListAdmin, ReadOnlyAdmin):
    list_display = ["occurred_at", "job", "account", "item", "error"]
    list_filter = ["job"]
    search_fields = ["account__number", "item", "error"]
    list_select_related = ["account"]
    ordering = ["-occurred_at", "-id"]
    date_hierarchy = "occurred_at"

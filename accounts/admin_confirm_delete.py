"""Deleting status types asks first and offers only what can go (issue 18).

Django's `delete_selected` shows a confirmation page; the status types' own bulk action (which
names why each refused type stays) deleted straight away, and the change form offered a Delete
button for types whose deletion is always refused (in use, a default, in the history).
`StatusTypeDeleteMixin` puts a confirmation page before the bulk action — what will be deleted
and what stays and why — and hides the Delete button where the service would refuse."""

from __future__ import annotations

from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.template.response import TemplateResponse

from . import services

CONFIRMED_ACTION = "delete_unused_types"


class StatusTypeDeleteMixin:
    """For AccountStatusTypeAdmin: a confirmation page before its bulk delete action, and no
    Delete button on a type that cannot be deleted (services.status_type_deletion_problem)."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if CONFIRMED_ACTION in actions:
            func, name, description = actions[CONFIRMED_ACTION]
            actions[CONFIRMED_ACTION] = (self._confirm_first(func), name, description)
        return actions

    def _confirm_first(self, func):
        def action(modeladmin, request, queryset):
            if request.POST.get("post") == "yes":
                return func(modeladmin, request, queryset)
            return self.delete_types_confirmation(request, queryset)

        action.__name__ = CONFIRMED_ACTION
        return action

    def delete_types_confirmation(self, request, queryset):
        """The page that asks: the types that will be deleted, and those that stay and why."""
        deletable, refused = [], []
        for status_type in queryset.order_by("backend_status", "name"):
            problem = services.status_type_deletion_problem(status_type)
            (refused if problem else deletable).append((status_type, problem))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": "Delete status types: are you sure?",
            "opts": opts,
            "deletable": [t for t, _ in deletable],
            "refused": refused,
            "queryset": queryset,
            "action_name": CONFIRMED_ACTION,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/portal/delete_types_confirmation.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        status_type = self.get_object(request, unquote(object_id))
        if status_type is not None and services.status_type_deletion_problem(status_type):
            extra_context = {**(extra_context or {}), "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)

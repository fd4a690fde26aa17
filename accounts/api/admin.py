"""Service API keys in the admin: adding one issues the key and shows it once (R-G1 API)."""

from django.contrib import admin, messages
from django.utils.html import format_html

from accounts.actors import Actor
from accounts.admin_saving import SaveChangedFieldsMixin
from accounts.models import ServiceApiKey

from .keys import hash_key
from .keys import issue_service_api_key as issue


@admin.register(ServiceApiKey)
class ServiceApiKeyAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = ["name", "service", "prefix", "is_active", "created_at", "last_used_at"]
    list_select_related = ["reseller"]
    list_filter = ["is_active", "service"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["name", "service", "scopes", "is_active", "prefix", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        row, raw = issue(
            obj.name,
            actor=Actor.operator(request.user),
            service=obj.service,
            scopes=obj.scopes,
            reseller=obj.reseller,  # a reseller operator's: theirs (accounts.admin_scoping)
        )
        obj.pk, obj.prefix, obj.key_hash = row.pk, row.prefix, hash_key(raw)
        obj.is_active, obj.created_at = row.is_active, row.created_at
        if not form.cleaned_data.get("is_active", True):
            ServiceApiKey.objects.filter(pk=row.pk).update(is_active=False)
        messages.warning(
            request,
            format_html(
                "The key for “{}” is <code>{}</code>. Copy it now: it is not stored and will "
                "not be shown again.",
                row.name,
                raw,
            ),
        )

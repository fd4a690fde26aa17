"""Setup pages of the operator portal (seed 002): account status types, status reasons and
webhook endpoints."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from . import services
from . import webhook_secrets as services_webhooks
from .admin_confirm_delete import StatusTypeDeleteMixin
from .admin_gear import GearAction, GearMenuMixin
from .admin_saving import SaveChangedFieldsMixin
from .errors import AccountsError
from .models import AccountStatusType, BackendStatus, StatusReason, WebhookEndpoint
from .webhook_secrets import mask_secret
from .webhooks import receiver_secret

SHOWN_ONCE_TEMPLATE = "admin/accounts/webhookendpoint/secret_once.html"


class AccountStatusTypeForm(forms.ModelForm):
    """Setup → Account Status Types (seed 002): a named type for one back-end status (R-E1)."""

    class Meta:
        model = AccountStatusType
        fields = ["name", "backend_status", "image_url", "show_in_statistics", "is_default"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("A status type needs a name.")
        return name

    def clean(self):
        data = super().clean()
        backend, instance = data.get("backend_status"), self.instance
        if instance.pk and backend and backend != instance.backend_status:
            in_use = instance.accounts.count()
            if in_use:
                self.add_error(
                    "backend_status",
                    f"{in_use} account(s) use this type; its back-end status cannot change "
                    "(their behaviour would change without a history row). Add a new type.",
                )
        if backend and data.get("is_default"):
            other = (
                AccountStatusType.objects.filter(backend_status=backend, is_default=True)
                .exclude(pk=instance.pk)
                .first()
            )
            if other is not None:
                self.add_error(
                    "is_default",
                    f"“{other}” is already the default for this back-end status; untick it "
                    "there first.",
                )
        return data


@admin.register(AccountStatusType)
class AccountStatusTypeAdmin(StatusTypeDeleteMixin, SaveChangedFieldsMixin, admin.ModelAdmin):
    form = AccountStatusTypeForm
    list_display = ["name", "backend_status", "image", "is_default", "show_in_statistics"]
    list_filter = ["backend_status", "show_in_statistics"]
    search_fields = ["name"]
    actions = ["delete_unused_types"]

    @admin.display(description="Image")
    def image(self, status_type):
        if not status_type.image_url:
            return "—"
        return format_html(
            '<img src="{}" alt="" style="height: 20px; vertical-align: middle">',
            status_type.image_url,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced: deletion must name why it is refused
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        status_type = self.get_object(request, object_id)
        if not self.has_delete_permission(request, status_type):
            raise PermissionDenied  # before any domain check's message (issue 15 item 9)
        problem = status_type and services.status_type_deletion_problem(status_type)
        if problem:
            self.message_user(request, problem, messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:accounts_accountstatustype_change", args=[status_type.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    @admin.action(
        description="Delete selected status types that no account uses", permissions=["delete"]
    )
    def delete_unused_types(self, request, queryset):
        deleted = 0
        for status_type in queryset:
            try:
                services.delete_status_type(status_type, actor=request.user)
                deleted += 1
            except AccountsError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if deleted:
            self.message_user(request, f"Deleted {deleted} status type(s).", messages.SUCCESS)


class StatusReasonForm(forms.ModelForm):
    """Setup → Status Reasons (R-E3): a reason and the back-end statuses it may be used for."""

    backend_statuses = forms.MultipleChoiceField(
        label="Back-end statuses",
        choices=BackendStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="An account may be moved to these statuses for this reason.",
    )

    class Meta:
        model = StatusReason
        fields = ["name", "backend_statuses", "is_financial"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("A status reason needs a name.")
        return name


@admin.register(StatusReason)
class StatusReasonAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    form = StatusReasonForm
    list_display = ["name", "fits", "is_financial"]
    list_filter = ["is_financial"]
    search_fields = ["name"]

    @admin.display(description="Back-end statuses")
    def fits(self, reason):
        return ", ".join(str(BackendStatus(s).label) for s in reason.backend_statuses)


class RotateSecretForm(forms.Form):
    note = forms.CharField(
        label="Why", required=False, max_length=500, help_text="Recorded in the endpoint's history."
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SaveChangedFieldsMixin, GearMenuMixin, admin.ModelAdmin):
    """Endpoints: the signing secret is shown once (created, rotated), then masked (issue 15)."""

    list_display = ["name", "url", "active", "event_types", "signing_secret"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    exclude = ["secret"]
    readonly_fields = ["signing_secret"]
    gear_actions = (
        GearAction(
            "rotate-secret",
            "Rotate secret…",
            "accounts.change_webhookendpoint",
            "rotate_secret_action",
        ),
    )

    @admin.display(description="Signing secret")
    def signing_secret(self, endpoint):
        return mask_secret(endpoint.secret) if endpoint.pk else "Generated when you save."

    def secret_page(self, request, endpoint, secret, *, rotated):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": endpoint,
            "title": f"Signing secret of {endpoint}",
            "secret": secret,
            "receiver_secret": receiver_secret(secret),  # Standard Webhooks libraries' form
            "rotated": rotated,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, SHOWN_ONCE_TEMPLATE, context)

    def response_add(self, request, obj, post_url_continue=None):
        return self.secret_page(request, obj, obj.secret, rotated=False)

    def rotate_secret_action(self, request, endpoint, action):
        intro = (
            f"The current secret of {endpoint} stops working at once: the receiver must be "
            "given the new one, which is shown only on the next page."
        )
        form = RotateSecretForm(request.POST if "_step" in request.POST else None)
        if request.POST.get("_step") != "confirm" or not form.is_valid():
            return self.gear_page(request, endpoint, action, form=form, intro=intro)
        secret = services_webhooks.rotate_webhook_secret(endpoint, actor=request.user)
        note = form.cleaned_data["note"]
        self.log_change(request, endpoint, f"Rotated the signing secret. {note}".strip())
        return self.secret_page(request, endpoint, secret, rotated=True)

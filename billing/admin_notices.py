"""Notices in the operator portal (R-D7): the dunning steps' and the policies' reminder templates
(checked by the sandbox on save), a preview of a template against a chosen account (writes
nothing), the log of notices sent, and the account overview's "Notices sent" section."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts import scoping
from accounts.admin_frames import OverviewSection, overview_sections
from accounts.admin_logs import ReadOnlyAdmin
from accounts.admin_paging import LargeListAdmin
from accounts.admin_saving import SaveChangedFieldsMixin
from accounts.models import Account

from . import notice_render
from .models import NoticeLog, ReminderNotice, StepNotice
from .notice_sandbox import FILTERS, VARIABLES

MSG_NO_ACCOUNT = _("No account has the number “{number}”.")
MSG_STEP_SENDS_NOTHING = _(
    "This step sends no notice: its Notice line is empty. Give the step a notice line on its "
    "policy's page first (it is also the subject of the built-in email when no template exists)."
)
NOTICE_ROWS = 20


def variables_help() -> str:
    names = "; ".join(f"{{{{ {name} }}}} — {text}" for name, text in VARIABLES.items())
    return str(
        _(
            "Plain text. Variables: {names}. Tags: {{% if … %}} … {{% else %}} … {{% endif %}} "
            "only; filters: {filters}. Anything else is refused when you save. See docs/notices.md."
        )
    ).format(names=names, filters=", ".join(FILTERS))


class NoticeTemplateForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "body" in self.fields:  # a view-only operator's form has no fields
            self.fields["body"].help_text = variables_help()
            self.fields["body"].widget.attrs.update(rows=14, cols=90)
        if "subject" in self.fields:
            self.fields["subject"].help_text = _("One line; the same variables as the body.")
            self.fields["subject"].widget.attrs.update(size=90)


class StepNoticeForm(NoticeTemplateForm):
    class Meta:
        model = StepNotice
        fields = ["step", "subject", "body"]

    def clean_step(self):
        step = self.cleaned_data["step"]
        if step is not None and not step.notice:
            raise forms.ValidationError(MSG_STEP_SENDS_NOTHING)
        return step


class ReminderNoticeForm(NoticeTemplateForm):
    class Meta:
        model = ReminderNotice
        fields = ["policy", "days_before", "subject", "body"]


class ReminderInlineForm(NoticeTemplateForm):
    class Meta:
        model = ReminderNotice
        fields = ["days_before", "subject", "body"]


class ReminderNoticeInline(admin.StackedInline):
    """The policy's reminder on the policy's own page: N days before a due date (R-D7)."""

    model = ReminderNotice
    form = ReminderInlineForm
    extra = 0
    max_num = 1
    verbose_name = _("reminder before the due date")
    verbose_name_plural = _("reminder before the due date")


class PreviewForm(forms.Form):
    account = forms.CharField(
        label=_("Account number"),
        max_length=64,
        help_text=_("The account the preview is rendered for; nothing is sent or saved."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_account(self) -> Account:
        number = self.cleaned_data["account"].strip()
        # R-R3: a reseller operator previews only their reseller's accounts; another's number
        # reads as unknown, never as "not yours".
        visible = scoping.scope(Account.objects.all(), self.user)
        account = visible.filter(number=number).first()
        if account is None:
            raise forms.ValidationError(MSG_NO_ACCOUNT.format(number=number))
        return account


class NoticePreviewMixin:
    """A "Preview…" page per template: pick an account, see the subject and body it gets."""

    change_form_template = "admin/billing/notice_template/change_form.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        view = self.admin_site.admin_view(self.preview_view)
        return [path("<path:object_id>/preview/", view, name=name), *super().get_urls()]

    def preview_view(self, request, object_id):
        template = self.get_object(request, object_id)
        if template is None:
            raise Http404(_("No such notice template."))
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        form = PreviewForm(request.GET or None, user=request.user)
        rendered = None
        if form.is_valid():
            rendered = notice_render.preview(template, form.cleaned_data["account"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": template,
            "title": _("Preview of the notice of %s") % notice_render.template_label(template),
            "form": form,
            "rendered": rendered,
            "variables": VARIABLES,
        }
        status = 400 if form.is_bound and not form.is_valid() else 200
        return TemplateResponse(
            request, "admin/billing/notice_template/preview.html", context, status=status
        )


@admin.register(StepNotice)
class StepNoticeAdmin(NoticePreviewMixin, SaveChangedFieldsMixin, admin.ModelAdmin):
    form = StepNoticeForm
    list_display = ["subject", "policy_name", "position", "status", "updated_at"]
    list_select_related = ["step__policy", "step__status_type"]
    search_fields = ["subject", "step__policy__name"]

    @admin.display(description=_("policy"), ordering="step__policy__name")
    def policy_name(self, obj):
        return obj.step.policy.name

    @admin.display(description=_("step"), ordering="step__position")
    def position(self, obj):
        return obj.step.position

    @admin.display(description=_("moves to"))
    def status(self, obj):
        return obj.step.status_type.name

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "step":
            kwargs["queryset"] = db_field.related_model.objects.select_related(
                "policy", "status_type"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ReminderNotice)
class ReminderNoticeAdmin(NoticePreviewMixin, SaveChangedFieldsMixin, admin.ModelAdmin):
    form = ReminderNoticeForm
    list_display = ["policy", "days_before", "subject", "updated_at"]
    list_select_related = ["policy"]


@admin.register(NoticeLog)
class NoticeLogAdmin(LargeListAdmin, ReadOnlyAdmin):
    """Every notice sent: when, which template, to whom, delivered or failed (R-D7)."""

    list_display = ["sent", "account_number", "status", "notice"]
    list_filter = ["kind", "status"]
    search_fields = ["account__number", "account__name", "subject", "recipients"]
    list_select_related = ["account"]

    @admin.display(description=_("sent"), ordering="created_at")
    def sent(self, obj):
        return date_format(timezone.localtime(obj.created_at), "j M Y H:i")

    @admin.display(description=_("account"), ordering="account__number")
    def account_number(self, obj):
        return obj.account.number

    @admin.display(description=_("notice"), ordering="subject")
    def notice(self, obj):
        """The kind and the subject, short: the list stays within the page."""
        return f"{obj.get_kind_display()}: {Truncator(obj.subject).chars(48)}"


def notices_sent(account, now) -> dict:
    rows = NoticeLog.objects.filter(account=account).select_related("step")
    found = list(rows.order_by("-created_at", "-id")[: NOTICE_ROWS + 1])
    return {"rows": found[:NOTICE_ROWS], "more": len(found) > NOTICE_ROWS}


# Order 650: after the ledger (600), before the provisioning events' deliveries (700).
overview_sections.register(
    OverviewSection("notices", 650, "admin/billing/overview/notices.html", notices_sent)
)

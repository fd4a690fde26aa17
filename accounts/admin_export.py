"""CSV exports of the operator portal (issue 18), streamed: the account list as filtered on the
page, and an account's exports registered by the apps (billing's ledger).

The list export builds the same ChangeList the page builds — get_queryset (and with it any scope
of the operator, R-R3), the filters, the search, the ordering — and streams its rows: a
`StreamingHttpResponse` over `values_list(...).iterator(chunk_size=…)`, which on PostgreSQL reads
through a server-side cursor, so a million rows take the memory of one chunk.

Cells are written safe for spreadsheets (CSV injection, OWASP): a text cell starting with
= + - @ (or a tab or carriage return) gets a leading apostrophe, so it is shown as text and never
run as a formula. Numbers and dates are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone

from .admin_list_frames import account_list

CHUNK_SIZE = 2000
LINES_PER_WRITE = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MSG_BAD_LIST = "The list could not be exported with these filters; choose them again."
ACCOUNT_COLUMNS = (
    ("number", "Account number"),
    ("name", "Name"),
    ("status_type__name", "Status"),
    ("status_type__backend_status", "Back-end status"),
    ("balance", "Balance"),
    ("currency", "Currency"),
    ("financial_blocking_threshold", "Financial blocking threshold"),
    ("allowed_negative_days", "Allowed negative days (empty: infinite)"),
    ("next_payment_date", "Next payment date"),
    ("dunning_policy__name", "Dunning policy (empty: the default)"),
    ("dunning_exempt", "Exempt from dunning (VIP)"),
    ("dunning_exempt_until", "Exempt until"),
    ("renewal_deadline", "Renewal deadline"),
    ("status_changed_at", "Status changed at"),
    ("created_at", "Created"),
)


def safe_cell(value) -> object:
    """A cell a spreadsheet shows as it is: text that could start a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, Decimal | int | float | date):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file whose write returns the line: csv.writer formats, the response streams."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text, LINES_PER_WRITE lines at a time (a byte-order mark first, for
    spreadsheets): one write to the socket per batch, not per row."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(h) for h in header])
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([safe_cell(cell) for cell in row]))
        if len(batch) == LINES_PER_WRITE:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def streamed_csv(filename: str, header: Iterable[str], rows: Iterable[Iterable]):
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def account_rows(queryset) -> Iterator[tuple]:
    """The list's rows, a chunk at a time (a server-side cursor on PostgreSQL)."""
    fields = [name for name, _label in ACCOUNT_COLUMNS]
    return queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)


class ExportMixin:
    """The account list's "Export CSV" and the account's registered exports."""

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_list_view),
                name="{}_{}_export".format(*info),
            ),
            path(
                "<path:object_id>/export/<slug:slug>.csv",
                self.admin_site.admin_view(self.export_account_view),
                name="{}_{}_export_account".format(*info),
            ),
            *super().get_urls(),
        ]

    def export_list_view(self, request):
        """The list as the page shows it (filters, search, order, scope), every row of it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, MSG_BAD_LIST, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:accounts_account_changelist"))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return streamed_csv(
            f"accounts-{stamp}.csv",
            [label for _name, label in ACCOUNT_COLUMNS],
            account_rows(changelist.queryset),
        )

    def export_account_view(self, request, object_id, slug):
        """One account's registered export (the ledger, billing's), for a scoped account."""
        try:
            export = account_list.exports[slug]
        except KeyError:
            raise Http404(f"There is no export “{slug}”.") from None
        if not self.has_view_permission(request) or not request.user.has_perm(export.permission):
            raise PermissionDenied
        account = self.get_object(request, unquote(object_id))
        if account is None:
            raise Http404(f"No account with the id {object_id}.")
        return streamed_csv(export.filename(account), export.header, export.rows(account))

    def changelist_view(self, request, extra_context=None):
        """The list, with "Export CSV" of it as filtered (its page number left out)."""
        extra_context = extra_context or {}
        if self.has_view_permission(request):
            query = request.GET.copy()
            query.pop(PAGE_VAR, None)
            url = reverse("admin:accounts_account_export")
            extra_context["export_url"] = f"{url}?{query.urlencode()}" if query else url
        return super().changelist_view(request, extra_context)

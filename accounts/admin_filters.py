"""The account list's filters that read accounts' own fields (issue 18): a balance range, the
renewal deadline (R-G3) and the dunning exemption (R-X2). Billing registers the policy filter.

A value the filter cannot read (a balance "abc", a deadline "within-x days") is not applied: the
page says so in a message and lists the accounts without that filter — never a 500, never the
admin's bare "?e=1" page.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .admin_list_frames import ListFilterItem, account_list

MSG_BAD_AMOUNT = _("“{value}” is not an amount: the balance filter's {bound} was not applied.")
MSG_RANGE_REVERSED = _(
    "The balance range {low} – {high} is empty (the minimum is above the maximum): "
    "it was not applied."
)
MSG_BAD_CHOICE = _("“{value}” is not a choice of the {title} filter: it was not applied.")
MSG_BAD_DAYS = _(
    "“{value}” is not a number of days (0 to 3650): the renewal deadline filter was not applied."
)
AMOUNT_LIMIT = Decimal("1e12")  # the balance has 14 digits, 2 of them decimals
MAX_DAYS = 3650


def warn(request, message: str) -> None:
    """One message per request and text, however often the list's queryset is built."""
    shown = getattr(request, "_account_filter_warnings", set())
    if message not in shown:
        shown.add(message)
        request._account_filter_warnings = shown
        messages.warning(request, message)


def parse_amount(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        return None
    if not amount.is_finite() or abs(amount) >= AMOUNT_LIMIT:
        return None
    return amount


class BalanceRangeFilter(admin.ListFilter):
    """Balance between a minimum and a maximum, both optional and inclusive."""

    title = _("balance")
    template = "admin/accounts/account/balance_filter.html"
    parameters = {"balance_min": _("minimum"), "balance_max": _("maximum")}

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.parameters:
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1]

    def has_output(self) -> bool:
        return True

    def expected_parameters(self):
        return list(self.parameters)

    def bounds(self, request) -> tuple[Decimal | None, Decimal | None]:
        found = {}
        for name, bound in self.parameters.items():
            raw = (self.used_parameters.get(name) or "").strip()
            if not raw:
                continue
            amount = parse_amount(raw)
            if amount is None:
                warn(request, MSG_BAD_AMOUNT.format(value=raw[:40], bound=bound))
            else:
                found[name] = amount
        low, high = found.get("balance_min"), found.get("balance_max")
        if low is not None and high is not None and low > high:
            warn(request, MSG_RANGE_REVERSED.format(low=low, high=high))
            return None, None
        return low, high

    def queryset(self, request, queryset):
        low, high = self.bounds(request)
        if low is not None:
            queryset = queryset.filter(balance__gte=low)
        if high is not None:
            queryset = queryset.filter(balance__lte=high)
        return queryset

    def choices(self, changelist):
        kept = [
            (name, value)
            for name, values in changelist.params.items()
            if name not in self.parameters and name != "p"
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "kept": kept,
            "min": self.used_parameters.get("balance_min", ""),
            "max": self.used_parameters.get("balance_max", ""),
            "clear": changelist.get_query_string(remove=list(self.parameters)),
            "selected": any(self.used_parameters.get(n) for n in self.parameters),
        }


class CheckedChoiceFilter(admin.SimpleListFilter):
    """A SimpleListFilter whose unknown value is a message, not an ignored or broken filter."""

    def choice(self, request) -> str | None:
        value = self.value()
        if value is None or value in {str(key) for key, _label in self.lookup_choices}:
            return value
        if self.custom_choice(value) is not None:
            return value
        warn(request, MSG_BAD_CHOICE.format(value=value[:40], title=self.title))
        return None

    def custom_choice(self, value: str):
        return None


class RenewalDeadlineFilter(CheckedChoiceFilter):
    """R-G3: the deadline an unlock gives; "passed" is the sweep's own renewal_overdue."""

    title = _("renewal deadline")
    parameter_name = "renewal"

    def lookups(self, request, model_admin):
        days = settings.RENEWAL_DEADLINE_DAYS
        return [
            ("set", _("Has one")),
            ("passed", _("Passed")),
            *((f"within-{n}", f"Within {n} days") for n in sorted({days, 7, 30})),
            ("none", _("None")),
        ]

    def custom_choice(self, value: str) -> int | None:
        prefix, _sep, days = value.partition("-")
        if prefix != "within":
            return None
        if not days.isdigit() or int(days) > MAX_DAYS:
            warn(self.request, MSG_BAD_DAYS.format(value=days[:20]))
            return -1
        return int(days)

    def queryset(self, request, queryset):
        value = self.choice(request)
        today = timezone.localdate()
        if value == "set":
            return queryset.filter(renewal_deadline__isnull=False)
        if value == "none":
            return queryset.filter(renewal_deadline__isnull=True)
        if value == "passed":
            return queryset.renewal_overdue(today)
        if value is not None:
            days = self.custom_choice(value)
            if days is not None and days >= 0:
                last = today + timedelta(days=days)
                return queryset.filter(renewal_deadline__gte=today, renewal_deadline__lte=last)
        return queryset


class ExemptionFilter(CheckedChoiceFilter):
    """R-X2: exempt now (VIP, or "do not suspend before" a date still ahead), or not at all."""

    title = _("dunning exemption")
    parameter_name = "exemption"

    def lookups(self, request, model_admin):
        return [
            ("now", _("Exempt now")),
            ("vip", _("VIP (for good)")),
            ("until", _("Until a date")),
            ("none", _("Not exempt")),
        ]

    def queryset(self, request, queryset):
        value, today = self.choice(request), timezone.localdate()
        if value == "now":
            return queryset.exempt_from_dunning(today)
        if value == "vip":
            return queryset.filter(dunning_exempt=True)
        if value == "until":
            return queryset.filter(dunning_exempt=False, dunning_exempt_until__gt=today)
        if value == "none":
            return queryset.subject_to_dunning(today)
        return queryset


account_list.filters.register(
    ListFilterItem("balance", 10, BalanceRangeFilter),
    ListFilterItem("renewal", 30, RenewalDeadlineFilter),
    ListFilterItem("exemption", 40, ExemptionFilter),
)

"""billing's figures on the Account Statistics page (issue 18): the dunning funnel (R-D1…R-D8)
and receivables aging (R-B3). Each is a handful of set-based aggregates (GROUP BY / EXISTS),
never a query per account, and takes `scope`, a queryset of the accounts to count (None: all),
so one reseller's page counts with the same rules. billing/admin_statistics.py registers them
in accounts' statistics frame (accounts/admin_statistics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Account, StatusChange
from accounts.models import BackendStatus as S

from .amounts import cents
from .models import (
    DunningEvent,
    DunningState,
    DunningStep,
    EntryKind,
    OpenItem,
    Settlement,
    StepCondition,
)
from .open_items import overdue_on

ZERO = Decimal("0.00")
WINDOW_DAYS = 90
NOT_DUE = "not_due"
# (key, label, fewest days past due, most days past due or None): the aging buckets.
AGING_BUCKETS = (
    ("d0_30", "0–30 days", 0, 30),
    ("d31_60", "31–60 days", 31, 60),
    ("d61_90", "61–90 days", 61, 90),
    ("d90_plus", "90+ days", 91, None),
)


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    items: int
    amount: Decimal


def _in_scope(queryset: QuerySet, scope: QuerySet[Account] | None, field: str = "account"):
    if scope is None:
        return queryset
    return queryset.filter(**{f"{field}__in": scope.values("pk")})


@dataclass(frozen=True)
class Aging:
    """One currency's receivables: the overdue buckets and what is not yet due."""

    currency: str
    buckets: list[Bucket]
    not_due: Bucket

    @property
    def overdue(self) -> Decimal:
        return sum((b.amount for b in self.buckets), ZERO)


def aging(today: date, scope: QuerySet[Account] | None = None) -> list[Aging]:
    """Receivables aging (R-B3) per currency: the open items' outstanding amounts by days past
    their due date in AGING_BUCKETS (overdue_on: an item due today is 0 days past due), and the
    items not yet due. Two GROUP BYs over the open items: all of them, and those of accounts
    billed in another currency than DEFAULT_CURRENCY (usually none; the default currency's are the
    difference), so the common case joins no other table."""
    whens = [
        When(due_date__gte=today - timedelta(days=most), then=Value(key))
        for key, _label, _fewest, most in AGING_BUCKETS
        if most is not None
    ]
    bucket = Case(
        When(due_date__gt=today, then=Value(NOT_DUE)),
        *whens,
        default=Value(AGING_BUCKETS[-1][0]),
        output_field=CharField(),
    )
    items = _in_scope(OpenItem.objects.filter(settled_at__isnull=True), scope)
    default = settings.DEFAULT_CURRENCY
    found: dict[tuple[str, str], list] = {}
    for _all, key, count, amount in _bucketed(items, bucket, ()):
        found[(default, key)] = [count, amount]
    foreign = items.exclude(account__currency=default)
    for currency, key, count, amount in _bucketed(foreign, bucket, ("account__currency",)):
        found[(currency, key)] = [count, amount]
        mine = found.setdefault((default, key), [0, ZERO])
        mine[0], mine[1] = mine[0] - count, mine[1] - amount

    def of(currency: str, key: str, label: str) -> Bucket:
        count, amount = found.get((currency, key), (0, ZERO))
        return Bucket(key, label, count, cents(amount))

    currencies = sorted({c for (c, _key), (count, _a) in found.items() if count}) or [default]
    return [
        Aging(
            currency,
            [of(currency, key, label) for key, label, _f, _m in AGING_BUCKETS],
            of(currency, NOT_DUE, "Not yet due"),
        )
        for currency in currencies
    ]


def _bucketed(items: QuerySet, bucket, by: tuple[str, ...]) -> list[tuple]:
    """(currency or "", bucket, items, outstanding) rows of one GROUP BY."""
    rows = (
        items.order_by()
        .annotate(bucket=bucket)
        .values(*by, "bucket")
        .annotate(n=Count("id"), amount=Sum(F("amount") - F("settled")))
    )
    return [
        (row.get(by[0], "") if by else "", row["bucket"], row["n"], cents(row["amount"]))
        for row in rows
    ]


def overdue_items(today: date, scope: QuerySet[Account] | None = None) -> QuerySet[OpenItem]:
    """The open items the aging buckets count (their drill-down in tests and pages)."""
    return _in_scope(OpenItem.objects.filter(overdue_on(today)), scope)


@dataclass(frozen=True)
class StepCount:
    policy: str
    position: int
    status: str
    rule_id: str
    accounts: int
    condition: str = ""


@dataclass(frozen=True)
class Funnel:
    """The dunning funnel: accounts at each step now, accounts the ladder reached and accounts
    that left it back to Active in the window, and the payments that settled what it chased."""

    steps: list[StepCount]
    entered: int
    recovered: int
    money_recovered: dict[str, Decimal]  # per currency
    window_days: int
    since: date


def accounts_at_steps(scope: QuerySet[Account] | None = None) -> list[StepCount]:
    """How many accounts stand on each step of each policy's ladder now (DunningState), every
    step listed, those with none at 0. One GROUP BY over the states, one read of the steps."""
    states = _in_scope(DunningState.objects.filter(step__isnull=False), scope)
    counts = dict(
        states.order_by().values_list("step_id").annotate(n=Count("id")).values_list("step_id", "n")
    )
    steps = DunningStep.objects.select_related("policy", "status_type").order_by(
        "policy__name", "position"
    )
    if scope is not None:  # R-R3: the provider's ladders and the scope's resellers' own
        steps = steps.filter(
            Q(policy__reseller__isnull=True) | Q(policy__reseller__in=scope.values("reseller_id"))
        )
    return [
        StepCount(
            s.policy.name,
            s.position,
            s.status_type.name,
            s.rule_id,
            counts.get(s.pk, 0),
            condition_words(s),
        )
        for s in steps
    ]


def condition_words(step: DunningStep) -> str:
    """A step's conditions in a few words, to tell two steps to the same status apart (R-D5:
    several may be set, all must hold)."""
    words = {
        StepCondition.DAYS_PAST_DUE: f"{step.days} days past due",
        StepCondition.BELOW_THRESHOLD: "below the threshold",
        StepCondition.CREDIT_EXHAUSTED: "credit exhausted",
    }
    parts = [words[step.condition]] if step.condition in words else []
    if step.min_overdue_items:
        parts.append(f"{step.min_overdue_items}+ overdue items")
    if step.min_overdue_amount:
        parts.append(f"{step.min_overdue_amount}+ overdue")
    return " and ".join(parts)


def dunning_funnel(today: date, scope: QuerySet[Account] | None = None) -> Funnel:
    """The funnel over the last WINDOW_DAYS days (R-D1…R-D4, R-D8)."""
    since = today - timedelta(days=WINDOW_DAYS)
    start = timezone.make_aware(datetime.combine(since + timedelta(days=1), time.min))
    events = _in_scope(DunningEvent.objects.filter(applied_on__gt=since), scope)
    entered = events.order_by().values("account_id").distinct().count()
    step_types = DunningStep.objects.values("status_type_id")
    recovered = (
        _in_scope(
            StatusChange.objects.filter(
                effective_at__gte=start, to_backend_status=S.ACTIVE, from_type__in=step_types
            ),
            scope,
        )
        .order_by()
        .values("account_id")
        .distinct()
        .count()
    )
    return Funnel(
        accounts_at_steps(scope),
        entered,
        recovered,
        money_recovered(start, scope),
        WINDOW_DAYS,
        since,
    )


def money_recovered(start: datetime, scope: QuerySet[Account] | None = None) -> dict[str, Decimal]:
    """Payments since `start` that settled debts the ladder was chasing: an item already due when
    a step was applied for an anchor on or before its due date, paid after that step (R-B3: the
    settlement says which payment paid which item; a reversed payment's settlement is released
    and no longer counts)."""
    chased = DunningEvent.objects.filter(
        account_id=OuterRef("item__account_id"),
        anchor__lte=OuterRef("item__due_date"),
        applied_on__gte=OuterRef("item__due_date"),
        applied_on__lte=OuterRef("day"),
    )
    settlements = (
        _in_scope(
            Settlement.objects.filter(
                created_at__gte=start,
                released_by__isnull=True,
                credit__kind=EntryKind.PAYMENT,
            ),
            scope,
            "item__account",
        )
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .filter(Exists(chased))
    )
    found = dict(
        settlements.order_by()
        .values_list("credit__currency")
        .annotate(s=Sum("amount"))
        .values_list("credit__currency", "s")
    )
    return {c: cents(a) for c, a in found.items()} or {settings.DEFAULT_CURRENCY: ZERO}

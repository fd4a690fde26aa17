"""R-X7 time travel: run every sweep day by day over a date range and print what changed.

By default everything runs inside one transaction that is rolled back at the end, so the real
data is untouched (the run works on a copy of it); --commit keeps the result.
"""

from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import scheduling, unlocking
from accounts.models import StatusChange
from billing import recurring, sweeps
from billing.models import DunningEvent, Invoice, LedgerEntry
from subscriptions import charging
from subscriptions.models import SubscriptionChange

MAX_DAYS = 3660


class Rollback(Exception):
    """Raised to undo the whole simulated run."""


def parse_day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{flag} must be a date like 2026-11-21, not “{value}”.") from None


class Command(BaseCommand):
    help = (
        "Run the whole lifecycle day by day (R-X7): scheduled changes, renewal deadlines, "
        "subscription and recurring charges, credit-hold and dunning sweeps."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument(
            "--commit",
            action="store_true",
            help="keep the changes (default: roll everything back at the end)",
        )

    def handle(self, *args, start, end, commit, **options):
        first, last = parse_day(start, "--from"), parse_day(end, "--to")
        if last < first:
            raise CommandError("--to is before --from.")
        if (last - first).days > MAX_DAYS:
            raise CommandError(f"At most {MAX_DAYS} days can be simulated at once.")
        try:
            with transaction.atomic():
                totals = self.run_days(first, last)
                if not commit:
                    raise Rollback
        except Rollback:
            self.stdout.write("Simulation rolled back: nothing was kept (use --commit to keep it).")
        self.stdout.write(
            self.style.SUCCESS("Total: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
        )

    def run_days(self, first: date, last: date) -> dict:
        totals = {"status changes": 0, "dunning steps": 0, "invoices": 0, "ledger entries": 0}
        day = first
        while day <= last:
            marks = self.marks()
            now = timezone.make_aware(datetime.combine(day, time(12)))
            scheduling.apply_due_status_changes(day)
            unlocking.enforce_renewal_deadlines(day)
            charging.run_subscription_charges(day)
            recurring.run_recurring_charges(day)
            sweeps.credit_hold_sweep(now=now)
            sweeps.dunning_sweep(day)
            self.report(day, marks, totals)
            day += timedelta(days=1)
        return totals

    @staticmethod
    def marks() -> dict:
        def top(model):
            return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        return {
            m: top(m)
            for m in (StatusChange, DunningEvent, Invoice, LedgerEntry, SubscriptionChange)
        }

    def report(self, day: date, marks: dict, totals: dict) -> None:
        lines = []
        for change in (
            StatusChange.objects.filter(pk__gt=marks[StatusChange])
            .select_related("account", "from_type", "to_type")
            .order_by("pk")
        ):
            frm = change.from_type.name if change.from_type else "—"
            lines.append(
                f"  {change.account.number} {change.account.name}: {frm} → "
                f"{change.to_type.name} ({change.rule_id or change.actor_kind})"
            )
        for sub in SubscriptionChange.objects.filter(pk__gt=marks[SubscriptionChange]).order_by(
            "pk"
        ):
            lines.append(f"  subscription {sub.subscription_id}: {sub}")
        new_invoices = Invoice.objects.filter(pk__gt=marks[Invoice]).count()
        new_entries = LedgerEntry.objects.filter(pk__gt=marks[LedgerEntry]).count()
        new_steps = DunningEvent.objects.filter(pk__gt=marks[DunningEvent]).count()
        totals["status changes"] += StatusChange.objects.filter(pk__gt=marks[StatusChange]).count()
        totals["dunning steps"] += new_steps
        totals["invoices"] += new_invoices
        totals["ledger entries"] += new_entries
        if lines or new_invoices or new_entries:
            self.stdout.write(
                f"{day}: {new_invoices} invoice(s), {new_entries} ledger "
                f"entr{'y' if new_entries == 1 else 'ies'}, {new_steps} dunning "
                f"step(s)"
            )
            for line in lines:
                self.stdout.write(line)

"""billing's sections of the account overview (accounts/admin_frames.py): the policy row, the
money with its threshold form, "Why is this account on hold?" (R-X4) and the ledger with the
unpaid invoices. Every amount shown comes from billing's own functions (shared/STYLE.md "One home
per rule"): the required payment is the R-X4 explanation's, which is `required_payment`'s."""

from __future__ import annotations

from accounts.admin_frames import LEFT, RIGHT, STATUS_ROW, OverviewSection, newest

from .admin_forms import ThresholdForm
from .models import Invoice, LedgerEntry
from .selectors import why_on_hold
from .services import policy_for

LEDGER_ROWS = 25
LEDGER_COUNT_CAP = 1000
INVOICE_ROWS = 10


def policy(account, now) -> dict:
    return {"policy": policy_for(account)}


def money(account, now) -> dict:
    """The money section and the R-X4 panel share this context: one explanation per page."""
    return {
        "hold": why_on_hold(account, now),
        "threshold_form": ThresholdForm(
            initial={"threshold": account.financial_blocking_threshold}
        ),
    }


def ledger_total(count: int) -> str:
    """The ledger's length for the heading: exact up to LEDGER_COUNT_CAP, then "more than"."""
    if count > LEDGER_COUNT_CAP:
        return f"more than {LEDGER_COUNT_CAP:,}"
    return str(count)


def ledger(account, now) -> dict:
    """The newest entries, the ledger's length counted up to a cap, and the unpaid invoices."""
    entries = LedgerEntry.objects.filter(account=account).select_related("actor_user")
    count = entries.order_by()[: LEDGER_COUNT_CAP + 1].count()
    unpaid, more_unpaid = newest(
        Invoice.objects.filter(account=account, paid_at__isnull=True).order_by("due_date", "id"),
        INVOICE_ROWS,
    )
    return {
        "rows": list(entries[:LEDGER_ROWS]),
        "count": count,
        "total": ledger_total(count),
        "unpaid_invoices": unpaid,
        "more_unpaid": more_unpaid,
    }


def _template(name: str) -> str:
    return f"admin/billing/overview/{name}.html"


# Order keys: accounts/admin_frames.py lists every app's sections.
SECTIONS = (
    OverviewSection("policy", 60, _template("policy"), policy, place=STATUS_ROW,
                    select_related=("dunning_policy",)),
    OverviewSection("money", 100, _template("money"), money, place=LEFT),
    OverviewSection("why-on-hold", 200, _template("why_on_hold"), money, place=RIGHT),
    OverviewSection("ledger", 600, _template("ledger"), ledger),
)  # fmt: skip

"""Template tags of the operator portal's admin index: Account Statistics (R-E2). The
manual-approval queue (R-CH7b) is subscriptions' (subscriptions/templatetags/approval_queue)."""

from django import template
from django.urls import reverse

from accounts.selectors import counted_account_statistics
from accounts.selectors import statistics_max_age as max_age

register = template.Library()


@register.simple_tag(takes_context=True)
def account_statistics(context) -> dict:
    """The rows with a link to the accounts they count, and when they were counted; counted
    among the accounts the operator sees (R-R3)."""
    changelist = reverse("admin:accounts_account_changelist")
    request = context.get("request")
    rows, counted_at = counted_account_statistics(getattr(request, "user", None))
    return {
        "rows": [
            {
                "row": row,
                "url": f"{changelist}?status_type__id__in="
                f"{','.join(str(pk) for pk in row.type_ids)}",
            }
            for row in rows
        ],
        "counted_at": counted_at,
    }


@register.simple_tag
def statistics_max_age() -> int:
    """How old the counts may be (seconds; 0 when they are counted on every page load)."""
    return max_age()

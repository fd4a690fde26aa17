"""Template tags of the operator portal's admin index: Account Statistics (R-E2). The
manual-approval queue (R-CH7b) is subscriptions' (subscriptions/templatetags/approval_queue)."""

from django import template
from django.urls import reverse

from accounts.selectors import account_statistics as statistics_rows
from accounts.selectors import statistics_max_age as max_age

register = template.Library()


@register.simple_tag
def account_statistics() -> list[dict]:
    """The rows with a link to the accounts they count."""
    changelist = reverse("admin:accounts_account_changelist")
    return [
        {
            "row": row,
            "url": f"{changelist}?status_type__id__in={','.join(str(pk) for pk in row.type_ids)}",
        }
        for row in statistics_rows()
    ]


@register.simple_tag
def statistics_max_age() -> int:
    """How old the counts may be (seconds; 0 when they are counted on every page load)."""
    return max_age()

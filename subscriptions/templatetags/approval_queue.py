"""Template tags of the operator portal's admin index that read subscriptions: the manual-approval
queue (R-CH7b). Account Statistics (R-E2) are accounts' (accounts/templatetags/operator_portal)."""

from django import template

from subscriptions.models import Subscription

register = template.Library()


@register.simple_tag
def waiting_for_approval() -> int:
    """How many subscriptions a credit hold left waiting for a manager's decision (R-CH7b)."""
    return Subscription.objects.filter(
        status=Subscription.Status.WAITING_FOR_MANUAL_APPROVE
    ).count()

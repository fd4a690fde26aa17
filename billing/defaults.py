"""The policies a fresh install starts with (DESIGN §3, §5); used by the data migration and tests."""

from decimal import Decimal

STANDARD_LADDER = "Standard ladder"
PREPAID_LOCK = "Prepaid lock on exhaustion"

DEFAULT_POLICIES = [
    # name, default threshold, allowed negative days (None = infinite), fee, usage while
    # suspended, lock on exhaustion (R-G1), default for new accounts
    (STANDARD_LADDER, Decimal("0"), None, Decimal("10.00"), True, False, True),
    (PREPAID_LOCK, Decimal("0"), None, Decimal("0.00"), False, True, False),
]


def ensure_policies(policy_model) -> None:
    """Create any missing default policy; existing ones are left as operators set them."""
    has_default = policy_model.objects.filter(is_default=True).exists()
    for name, threshold, days, fee, usage, lock, default in DEFAULT_POLICIES:
        policy_model.objects.get_or_create(
            name=name,
            defaults={
                "default_threshold": threshold,
                "default_allowed_negative_days": days,
                "reactivation_fee": fee,
                "suspended_pays_usage": usage,
                "lock_on_exhaustion": lock,
                "is_default": default and not has_default,
            },
        )

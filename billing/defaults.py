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


# policy → steps: (position, condition, days, status type, fee, notice, releases on payment, rule)
DEFAULT_STEPS = {
    STANDARD_LADDER: [
        (
            1,
            "below_threshold",
            0,
            "Suspended until Paid",
            Decimal("0"),
            "Your account is suspended until paid: credit limit reached",
            True,
            "R-D1",
        ),  # R-D1's "or the client has reached the account's credit limit" (seed 001, R-D5)
        (
            2,
            "days_past_due",
            2,
            "Suspended until Paid",
            Decimal("0"),
            "Your account is suspended until paid",
            True,
            "R-D1",
        ),
        (
            3,
            "days_past_due",
            7,
            "Closed until Paid",
            Decimal("0"),
            "Your account is closed until paid",
            True,
            "R-D2",
        ),
        (
            4,
            "days_past_due",
            14,
            "Terminated",
            Decimal("0"),
            "Your account has been terminated",
            False,
            "R-D3",
        ),
    ],
    PREPAID_LOCK: [
        (
            1,
            "credit_exhausted",
            0,
            "Locked – insufficient credit",
            Decimal("0"),
            "Your account is locked: insufficient credit",
            False,
            "R-G1",
        ),
    ],
}


# R-D6: a step to a cancelled status (Terminated, R-D3) cancels the subscriptions at once.
CANCELLED_STEP_EFFECT = "cancel_now"


def add_credit_limit_step(policy_model, step_model, status_type_model) -> None:
    """Give an existing Standard ladder R-D1's credit-limit step (seed 001) in front of its steps,
    unless it has a balance step already; the other steps keep their order (issue 16)."""
    policy = policy_model.objects.filter(name=STANDARD_LADDER).first()
    if policy is None or not step_model.objects.filter(policy=policy).exists():
        return
    if step_model.objects.filter(policy=policy, condition="below_threshold").exists():
        return
    steps = list(step_model.objects.filter(policy=policy).order_by("-position"))
    for step in steps:  # from the last, so no two steps share a position on the way
        step.position += 1
        step.save(update_fields=["position"])
    position, condition, days, type_name, fee, notice, releases, rule = DEFAULT_STEPS[
        STANDARD_LADDER
    ][0]
    step_model.objects.create(
        policy=policy,
        position=position,
        condition=condition,
        days=days,
        status_type=status_type_model.objects.get(name=type_name),
        fee=fee,
        notice=notice,
        releases_on_payment=releases,
        rule_id=rule,
    )


def ensure_steps(policy_model, step_model, status_type_model) -> None:
    """Give each default policy its seeded ladder when it has no steps yet."""
    for policy_name, steps in DEFAULT_STEPS.items():
        policy = policy_model.objects.filter(name=policy_name).first()
        if policy is None or step_model.objects.filter(policy=policy).exists():
            continue
        for position, condition, days, type_name, fee, notice, releases, rule in steps:
            step_model.objects.create(
                policy=policy,
                position=position,
                condition=condition,
                days=days,
                status_type=status_type_model.objects.get(name=type_name),
                fee=fee,
                notice=notice,
                releases_on_payment=releases,
                rule_id=rule,
            )
    cancelled_steps_cancel_subscriptions(step_model)


def cancelled_steps_cancel_subscriptions(step_model) -> None:
    """R-D6: every step to a cancelled status cancels the subscriptions at once, unless it says
    otherwise (a migration's model from before issue 16 has no such field: nothing to do)."""
    if not any(f.name == "subscription_effect" for f in step_model._meta.get_fields()):
        return
    step_model.objects.filter(
        status_type__backend_status="cancelled", subscription_effect="none"
    ).update(subscription_effect=CANCELLED_STEP_EFFECT)

"""The status types and reasons a fresh install starts with (DESIGN §2), used by the data migration.

Functions take the model classes so the migration can pass its historical models.
"""

A, P, CH, SU, AH, CA, DE = (
    "active",
    "prospect",
    "credit_hold",
    "suspended",
    "administrative_hold",
    "cancelled",
    "deleted",
)

# (name, back-end status, default for that status)
DEFAULT_STATUS_TYPES = [
    ("Active", A, True),
    ("Prospect", P, True),
    ("Credit hold", CH, True),
    ("Suspended", SU, True),
    ("Administrative hold", AH, True),
    ("Cancelled", CA, True),
    ("Deleted", DE, True),
    ("Suspended until Paid", CH, False),  # FaxMicro step 1, R-D1
    ("Closed until Paid", SU, False),  # FaxMicro step 2, R-D2
    ("Terminated", CA, False),  # FaxMicro step 3, R-D3
    ("Locked – insufficient credit", AH, False),  # GFI lock, R-G1
]

# (name, back-end statuses it fits, is a non-payment reason — released automatically, R-X1)
DEFAULT_REASONS = [
    ("New account", [A, P], False),
    ("Non-payment", [CH, SU, CA, AH], True),
    ("Credit limit reached", [CH, SU, AH], True),
    ("Credit exhausted", [AH, CH], True),
    ("Payment received", [A, CH], True),
    ("Renewal deadline passed", [AH], True),
    ("Unlocked by support", [A, CH], False),
    ("Reactivated by operator", [A, CH], False),
    ("Customer request", [SU, CA, DE, A], False),
    ("Abuse", [SU, AH, CA, DE], False),
    ("Fraud review", [SU, AH], False),
    ("Contract ended", [CA, DE], False),
    ("Account closed", [DE], False),
    ("Status relabelled", [A, P, CH, SU, AH, CA], False),
]


def ensure_defaults(status_type_model, reason_model) -> None:
    """Create any missing default type or reason; existing rows are left as operators set them."""
    for name, backend, is_default in DEFAULT_STATUS_TYPES:
        taken = (
            is_default
            and status_type_model.objects.filter(backend_status=backend, is_default=True)
            .exclude(name=name)
            .exists()
        )
        status_type_model.objects.get_or_create(
            name=name,
            defaults={"backend_status": backend, "is_default": is_default and not taken},
        )
    for name, statuses, financial in DEFAULT_REASONS:
        reason_model.objects.get_or_create(
            name=name, defaults={"backend_statuses": statuses, "is_financial": financial}
        )

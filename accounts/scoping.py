"""R-R3 in one place: what a reseller operator may see and act on.

Every model the operator portal or the API shows is registered here with how its rows reach a
reseller: a lookup path to the reseller (`"reseller"`, `"account__reseller"`, …), a function
`(queryset, reseller_id) -> queryset`, SHARED (the provider's reference data — status types,
reasons, plans, groups — visible to every operator, changed by provider operators only) or
PROVIDER (the provider's own records: nothing for a reseller operator). `scope(queryset, user)`
applies it; a model nobody registered is PROVIDER, so a page added later shows a reseller
operator nothing until its app says how its rows belong to a reseller.

accounts registers its models below; billing and subscriptions register theirs from their
AppConfig.ready() (accounts cannot import them: STYLE, app layering). The admin applies `scope`
to every ModelAdmin (accounts/admin_scoping.py), the REST API to every resource
(accounts/rest/base.py), the statistics key their cache by `scope_key` (accounts/selectors.py).

Provider operators (staff without a reseller) see everything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

SHARED = "shared"
PROVIDER = "provider"
PROVIDER_SCOPE = "provider"  # the scope key of a provider operator (everything)

Rule = str | Callable[[QuerySet, int], QuerySet]
_rules: dict[type[Model], Rule] = {}
_CACHE_ATTR = "_reseller_scope_id"


def register(model: type[Model], rule: Rule) -> None:
    """Say how `model`'s rows belong to a reseller: a lookup path, a filter function, SHARED or
    PROVIDER. Registering a model twice with another rule is a configuration error."""
    previous = _rules.get(model)
    if previous is not None and previous != rule:
        raise ValueError(f"{model._meta.label} is already scoped by {previous!r}.")
    _rules[model] = rule


def rule_for(model: type[Model]) -> Rule:
    """The model's rule; PROVIDER when none was registered (closed by default)."""
    concrete = model._meta.concrete_model or model
    return _rules.get(concrete, PROVIDER)


def is_registered(model: type[Model]) -> bool:
    return (model._meta.concrete_model or model) in _rules


def registered_models() -> tuple[type[Model], ...]:
    return tuple(_rules)


def reseller_id_of(user: Any) -> int | None:
    """The reseller a staff user operates for, or None for a provider operator (cached on the
    user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, _CACHE_ATTR):
        from .models import OperatorProfile

        reseller_id = (
            OperatorProfile.objects.filter(user_id=user.pk)
            .values_list("reseller_id", flat=True)
            .first()
        )
        setattr(user, _CACHE_ATTR, reseller_id)
    return getattr(user, _CACHE_ATTR)


def forget(user: Any) -> None:
    """Drop the cached reseller of `user` (after its operator profile changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_reseller_operator(user: Any) -> bool:
    return reseller_id_of(user) is not None


def scope_key(user: Any) -> str:
    """A key naming what `user` sees, for caches of scoped results (statistics)."""
    reseller_id = reseller_id_of(user)
    return PROVIDER_SCOPE if reseller_id is None else f"reseller-{reseller_id}"


def scope(queryset: QuerySet, user: Any) -> QuerySet:
    """`queryset` narrowed to what `user` may see (R-R3): everything for a provider operator,
    the user's reseller's rows for a reseller operator."""
    return scope_to_reseller(queryset, reseller_id_of(user))


def scope_to_reseller(queryset: QuerySet, reseller_id: int | None) -> QuerySet:
    """`queryset` narrowed to one reseller's rows; None (the provider) keeps every row."""
    if reseller_id is None:
        return queryset
    rule = rule_for(queryset.model)
    if rule == SHARED:
        return queryset
    if rule == PROVIDER:
        return queryset.none()
    if callable(rule):
        return rule(queryset, reseller_id)
    return queryset.filter(**{rule: reseller_id})


# Permissions only provider operators use, whatever groups a reseller operator is in (moving an
# account between resellers): their items are not offered to reseller operators.
PROVIDER_ONLY_PERMISSIONS = {"accounts.move_account_reseller"}


def has_perm(user: Any, permission: str) -> bool:
    """`user.has_perm`, except that a reseller operator never holds a provider-only one."""
    if permission in PROVIDER_ONLY_PERMISSIONS and is_reseller_operator(user):
        return False
    return user.has_perm(permission)


def scope_for_key(queryset: QuerySet, key: Any) -> QuerySet:
    """`queryset` narrowed to what an API key may see (R-R3): a reseller's key its reseller's
    rows, the provider's key (no reseller) every row."""
    return scope_to_reseller(queryset, getattr(key, "reseller_id", None))


def account_id_for_key(number: str, key: Any) -> int | None:
    """The id of the account numbered `number` when `key` may see it (R-R3), else None. The
    provider's key sees every account: one indexed read, no query compiler (issue 19: every
    posting through the API asks this); a reseller's key goes through `scope_for_key`."""
    from . import sqlrow
    from .models import Account

    if getattr(key, "reseller_id", None) is None:
        row = sqlrow.fetch_one("SELECT id FROM accounts_account WHERE number = %s", [number])
        return None if row is None else row[0]
    accounts = scope_for_key(Account.objects.filter(number=number), key)
    return accounts.values_list("pk", flat=True).first()


def scope_form(form: Any, user: Any) -> Any:
    """Narrow every model choice of `form` (a policy, a payment, a reseller…) to what `user` may
    see (R-R3): a form built without the request — a bulk action's, a gear item's — offers a
    reseller operator their reseller's objects only, and refuses another's id as an invalid
    choice."""
    if reseller_id_of(user) is None:
        return form  # a provider operator's choices are every row
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        # Reference data is everyone's: its field (and any choices the form built) stays.
        if queryset is not None and rule_for(queryset.model) != SHARED:
            field.queryset = scope(queryset, user)
    return form


def is_shared(model: type[Model]) -> bool:
    return rule_for(model) == SHARED


def may_write(model: type[Model], user: Any) -> bool:
    """Whether `user` may add, change or delete `model`'s rows at all: reference data and the
    provider's records are the provider operators' (R-R3)."""
    return not is_reseller_operator(user) or rule_for(model) not in (SHARED, PROVIDER)


def owns_reseller_field(model: type[Model]) -> bool:
    """Whether `model` names its reseller itself (a new row of a reseller operator gets it)."""
    return rule_for(model) == "reseller"


def users_of_reseller(queryset: QuerySet, reseller_id: int) -> QuerySet:
    """auth.User: the customers (not staff) of the reseller's accounts and the reseller's own
    operators — never a provider operator, even one who is also a member of such an account."""
    from .models import Membership, OperatorProfile

    members = Membership.objects.filter(user=OuterRef("pk"), account__reseller_id=reseller_id)
    operators = OperatorProfile.objects.filter(user=OuterRef("pk"), reseller_id=reseller_id)
    customers = Q(Exists(members), is_staff=False, is_superuser=False)
    return queryset.filter(customers | Exists(operators))


def make_reseller_operator(user: Any, reseller_id: int) -> None:
    """Tie a staff user without a profile to `reseller_id` (a reseller operator's new staff)."""
    from .models import OperatorProfile

    profile, _ = OperatorProfile.objects.get_or_create(
        user=user, defaults={"reseller_id": reseller_id}
    )
    if profile.reseller_id is None:  # a profile without a reseller would make a provider
        profile.reseller_id = reseller_id
        profile.save(update_fields=["reseller"])
    forget(user)


def register_accounts_models() -> None:
    """accounts' own models (called from AccountsConfig.ready)."""
    from django.contrib.auth.models import Group, User

    from . import models as m

    register(m.Reseller, "pk")
    register(m.OperatorProfile, "reseller")
    register(m.Account, "reseller")
    for model in (
        m.Membership,
        m.StatusChange,
        m.AccountAudit,
        m.ScheduledStatusChange,
        m.UnlockAttempt,
        m.OutboxEvent,
        m.JobFailure,
    ):
        register(model, "account__reseller")
    register(m.WebhookEndpoint, "reseller")
    register(m.WebhookDelivery, "endpoint__reseller")
    register(m.ServiceApiKey, "reseller")
    register(m.AccountStatusType, SHARED)
    register(m.StatusReason, SHARED)
    register(User, users_of_reseller)
    register(Group, SHARED)

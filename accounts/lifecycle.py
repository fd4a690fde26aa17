"""The hooks through which higher apps react to account events (STYLE: app layering).

`billing` and `subscriptions` register listeners in their AppConfig.ready(); change_status (one
change) and the sweeps' bulk change_statuses (many) call them with a list of StatusChange rows
inside their transaction, so the effects commit or roll back with the changes, set-based.

A new account's defaults come from higher apps too (R-B2: the policy's threshold and allowed
negative period): create_account asks every registered defaults provider, in order, for the
fields it was not given.
"""

from collections.abc import Callable
from typing import Any

StatusListener = Callable[[Any], None]
TargetResolver = Callable[[Any, Any, Any], tuple[Any, str] | None]
DefaultsProvider = Callable[[dict[str, Any]], dict[str, Any]]

_listeners: list[StatusListener] = []
_resolvers: list[TargetResolver] = []
_defaults_providers: list[DefaultsProvider] = []


def on_status_change(listener: StatusListener) -> StatusListener:
    """Register `listener(changes)`, called with the StatusChange rows each write produced."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def resolves_target(resolver: TargetResolver) -> TargetResolver:
    """Register `resolver(account, target_type, actor)` → (other type, rule id) or None (R-CH2)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    return resolver


def notify(changes: list[Any]) -> None:
    if not changes:
        return
    for listener in list(_listeners):
        listener(changes)


def resolve_target(account: Any, target_type: Any, actor: Any) -> tuple[Any, str]:
    for resolver in _resolvers:
        resolved = resolver(account, target_type, actor)
        if resolved is not None:
            return resolved
    return target_type, ""


def provides_account_defaults(provider: DefaultsProvider) -> DefaultsProvider:
    """Register `provider(fields)` → defaults for a new account's fields (R-B2)."""
    if provider not in _defaults_providers:
        _defaults_providers.append(provider)
    return provider


def account_defaults(fields: dict[str, Any]) -> dict[str, Any]:
    """The defaults a new account with `fields` gets for the fields it was not given (R-B2).

    An earlier provider wins over a later one; a field in `fields` is never overridden."""
    defaults: dict[str, Any] = {}
    for provider in list(_defaults_providers):
        for key, value in provider(dict(fields)).items():
            if key not in fields:
                defaults.setdefault(key, value)
    return defaults

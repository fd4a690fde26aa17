"""The one hook through which higher apps react to account status changes (STYLE: app layering).

`billing` and `subscriptions` register listeners in their AppConfig.ready(); change_status (one
change) and the sweeps' bulk change_statuses (many) call them with a list of StatusChange rows
inside their transaction, so the effects commit or roll back with the changes, set-based.
"""

from collections.abc import Callable
from typing import Any

StatusListener = Callable[[Any], None]
TargetResolver = Callable[[Any, Any, Any], tuple[Any, str] | None]

_listeners: list[StatusListener] = []
_resolvers: list[TargetResolver] = []


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

"""Who asks for a change: an operator, a customer, or the system acting under a rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import ActorKind


@dataclass(frozen=True)
class Actor:
    kind: str
    user: Any = None
    rule_id: str = ""

    @classmethod
    def operator(cls, user: Any) -> Actor:
        return cls(ActorKind.OPERATOR, user)

    @classmethod
    def customer(cls, user: Any) -> Actor:
        return cls(ActorKind.CUSTOMER, user)

    @classmethod
    def system(cls, rule_id: str, *, on_behalf_of: Any = None) -> Actor:
        """Automation applying `rule_id`; `on_behalf_of` is the person whose act triggered it."""
        return cls(ActorKind.SYSTEM, on_behalf_of, rule_id)

    @property
    def is_operator(self) -> bool:
        return self.kind == ActorKind.OPERATOR


def as_actor(actor: Any) -> Actor:
    """Accept an Actor, or a user (staff → operator, others → customer)."""
    if isinstance(actor, Actor):
        return actor
    if actor is None:
        raise TypeError("actor is required: pass an Actor or a user")
    if getattr(actor, "is_staff", False):
        return Actor.operator(actor)
    return Actor.customer(actor)

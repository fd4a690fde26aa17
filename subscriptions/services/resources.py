"""Resources a subscription holds: matched to a new plan, or released by hand."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.actors import as_actor

from .. import core, pool
from ..errors import ResourceAlreadyAvailable
from ..models import Plan, Resource, Subscription

MSG_RELEASED_TWICE = _("{resource} is already Available: it was released before.")


def adjust_to_plan(sub: Subscription, new: Plan) -> None:
    """Hold exactly what the new plan includes: release the surplus, allocate what is missing."""
    held = list(sub.resources.select_for_update().order_by("-identifier"))
    kind = new.resource_kind or (held[0].kind if held else "")
    surplus = held[: max(0, len(held) - new.resources_included)]
    pool.release(Resource.objects.filter(pk__in=[r.pk for r in surplus]))
    pool.allocate(sub, kind, new.resources_included - len(held))


def release_resource(resource: Resource, *, actor: Any) -> Resource:
    """Return an Allocated resource to the pool (Allocated → Available); twice is refused."""
    actor = as_actor(actor)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        if locked.status == Resource.Status.AVAILABLE:
            raise ResourceAlreadyAvailable(MSG_RELEASED_TWICE.format(resource=locked))
        sub = locked.subscription
        pool.release(Resource.objects.filter(pk=locked.pk))
        core.record(sub, "release_resource", sub.status, actor, note=f"{locked} released")
    resource.refresh_from_db()
    return resource

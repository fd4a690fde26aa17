"""The resource pool (fax numbers…): the one place a resource is allocated or released, so the
Allocated ⇔ held-by-a-subscription pair (constraint `allocated_iff_held`) is written one way."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import ResourceUnavailable
from .models import Resource, Subscription

MSG_NO_RESOURCES = _("Not enough {kind} resources are available: {needed} needed, {free} free.")


def allocate(sub: Subscription, kind: str, count: int) -> None:
    """Give `sub` `count` Available resources of `kind`, or raise ResourceUnavailable."""
    if count <= 0:
        return
    free = list(
        Resource.objects.select_for_update(skip_locked=True)
        .filter(kind=kind, status=Resource.Status.AVAILABLE)
        .order_by("identifier")[:count]
    )
    if len(free) < count:
        raise ResourceUnavailable(MSG_NO_RESOURCES.format(kind=kind, needed=count, free=len(free)))
    Resource.objects.filter(pk__in=[r.pk for r in free]).update(
        status=Resource.Status.ALLOCATED, subscription=sub, allocated_at=timezone.now()
    )


def release(resources) -> int:
    """Return these resources (a queryset) to the pool: Allocated → Available; how many."""
    return resources.update(
        status=Resource.Status.AVAILABLE, subscription=None, released_at=timezone.now()
    )

"""Change forms write only what the operator changed (issue 15 item 2, the class of it).

Django's ModelAdmin saves every column of the object it loaded at the start of the request: a
payment, a status change, a rotated secret or a renewal's next billing date committed meanwhile
is silently undone. Here the row is re-read under a lock and only the form's changed model fields
are written (`update_fields`), so whatever else was committed stays."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def changed_model_fields(obj, form, allowed=None) -> list[str]:
    """The concrete, editable model fields the form changed (optionally only those `allowed`)."""
    concrete = {f.name for f in obj._meta.concrete_fields if f.editable and not f.primary_key}
    return [
        name
        for name in form.changed_data
        if name in concrete and (allowed is None or name in allowed)
    ]


def save_changed_fields(obj, form, allowed=None) -> dict[str, tuple[Any, Any]]:
    """Write the changed fields of `obj` (already filled from the form) on its locked row; return
    {field: (old, new)} for each value that really changed. `obj` is refreshed afterwards."""
    fields = changed_model_fields(obj, form, allowed)
    if not fields:
        return {}
    with transaction.atomic():
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        olds = {name: getattr(locked, name) for name in fields}
        for name in fields:
            setattr(locked, name, getattr(obj, name))
        locked.save(update_fields=fields)
    obj.refresh_from_db()
    return {
        name: (olds[name], getattr(obj, name))
        for name in fields
        if olds[name] != getattr(obj, name)
    }


class SaveChangedFieldsMixin:
    """A ModelAdmin whose change form writes only the fields it changed, on the locked row."""

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        save_changed_fields(obj, form)
        return None

"""Issue 19 (bench): the API's model serializers build their fields once per class
(accounts.rest.serializers.ModelSerializer) and give each instance its own copy — the answer is
the one DRF's ModelSerializer gives, and no field is shared between two instances."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from accounts.rest.serializers import AccountSerializer
from billing import services
from billing.rest.serializers import LedgerEntrySerializer

pytestmark = pytest.mark.django_db


def plain(serializer_class):
    """The same serializer on DRF's own ModelSerializer (fields built per instance)."""
    meta = type("Meta", (), dict(vars(serializer_class.Meta)))
    declared = {name: field for name, field in serializer_class._declared_fields.items()}
    return type("Plain", (serializers.ModelSerializer,), {"Meta": meta, **declared})


def test_the_fields_built_once_answer_as_drf_and_are_never_shared(account, operator):
    entry = services.record_payment(account, "12.50", idempotency_key="once-1", actor=operator)
    for serializer_class, obj in ((AccountSerializer, account), (LedgerEntrySerializer, entry)):
        first, second = serializer_class(obj), serializer_class(obj)
        assert first.data == second.data == plain(serializer_class)(obj).data
        for name, field in first.fields.items():
            assert field is not second.fields[name], name
            assert field.parent is first and second.fields[name].parent is second

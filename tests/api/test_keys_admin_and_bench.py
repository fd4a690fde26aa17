"""Issuing service API keys (admin, command) and the entitlement benchmark command."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.api.keys import authenticate
from accounts.models import ServiceApiKey

pytestmark = pytest.mark.django_db


def test_adding_a_key_in_the_admin_shows_it_once_and_stores_only_its_hash(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("admin:accounts_serviceapikey_add"),
        {"name": "voip-switch", "is_active": "on"},
        follow=True,
    )
    shown = re.search(r"<code>(lsk_[^<]+)</code>", response.content.decode())
    assert shown, "the new key is shown to the operator"
    row = ServiceApiKey.objects.get(name="voip-switch")
    assert authenticate(shown.group(1)) == row
    assert shown.group(1) not in (row.key_hash, row.prefix)
    again = client.get(reverse("admin:accounts_serviceapikey_change", args=[row.pk]))
    assert shown.group(1) not in again.content.decode()


def test_the_command_prints_a_working_key_and_refuses_a_taken_name():
    out = io.StringIO()
    call_command("create_service_api_key", "fax-server-9", stdout=out)
    assert authenticate(out.getvalue().strip()).name == "fax-server-9"
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_service_api_key", "fax-server-9", stdout=io.StringIO())


def test_the_benchmark_refuses_any_server_but_this_machine():
    with pytest.raises(CommandError, match="this machine only"):
        call_command("bench_entitlement", server_url="postgres://postgres@10.0.0.1:5432/postgres")


@pytest.mark.postgres
def test_the_benchmark_measures_the_api_under_gunicorn_and_cleans_up(on_postgres):
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    out = io.StringIO()
    call_command(
        "bench_entitlement",
        server_url=server,
        seconds=1,
        requests=40,
        connections=2,
        workers=1,
        client="python",
        stdout=out,
    )
    text = out.getvalue()
    assert 'Active: GET /api/v1/accounts/9000000001/entitlement → {"allowed": true}' in text
    assert "ERROR: Account is locked or Invalid" in text  # the unknown number
    assert len(re.findall(r"req/s; latency p50 [\d.]+ ms, p95 [\d.]+ ms", text)) == 3
    assert "errors 0" in text

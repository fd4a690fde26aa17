"""The operator logs in to the admin in real Chromium with the demo login (DESIGN §1)."""

import pytest
from django.core.management import call_command

from accounts.models import Account

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_operator_logs_in_and_sees_accounts(page, live_server, defaults):
    call_command("seed_demo", password="e2e-demo-pass")
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "e2e-demo-pass")
    page.click("input[type=submit]")
    page.click("text=Accounts >> nth=-1")
    page.wait_for_selector("#result_list")
    # every demo account: the provider's ten and the two resellers' five (issue 17)
    assert page.locator("#result_list tbody tr").count() == Account.objects.count() == 15
    assert page.get_by_text("Locked – insufficient credit").count() >= 1

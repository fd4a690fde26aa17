"""Issue 18 defect 8: customers read plain words where operators read rule ids."""

import pytest
from django.core import mail
from django.template.loader import render_to_string

from accounts.templatetags.customer_words import customer_words, rule_tags


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Reactivation fee (R-D3)", "Reactivation fee"),
        ("R-CH7b approved", "Manual approval: approved"),
        ("R-CH7b denied", "Manual approval: denied"),
        ("Manual approval (R-CH7b)", "Manual approval"),
        ("Refund (R-E5, R-X5)", "Refund"),
        ("Credit hold applies (R-CH1 (a)).", "Credit hold applies."),
        (
            "cannot be ordered on credit hold (R-CH8). Top up",
            "cannot be ordered on credit hold. Top up",
        ),
        ("Fax pages, week 1", "Fax pages, week 1"),
        ("", ""),
        (None, ""),
    ],
)
def test_customer_words_drop_rule_ids(text, plain):
    assert customer_words(text) == plain


def test_operators_see_rule_ids_as_small_tags_and_the_text_escaped():
    tagged = rule_tags("<b>Manual approval</b> (R-CH7b)")
    assert tagged == '&lt;b&gt;Manual approval&lt;/b&gt; <span class="rule-tag">R-CH7b</span>'


def test_the_dunning_email_shows_the_steps_notice_without_its_rule_id():
    class Step:
        notice = "Your service is suspended (R-D1)"
        status_type = type("T", (), {"name": "Suspended until Paid"})
        releases_on_payment = True

    account = type("A", (), {"name": "Acme", "number": "1", "balance": "-5", "currency": "USD"})
    event = type("E", (), {"anchor": "2026-11-01", "due_on": "2026-11-20"})
    context = {"account": account, "step": Step, "event": event, "required": None}
    for template in ("emails/dunning_step.txt", "emails/dunning_step.html"):
        text = render_to_string(template, context)
        assert "Your service is suspended" in text and "R-D1" not in text
    assert not mail.outbox


@pytest.mark.django_db
def test_operators_see_the_rule_of_a_status_change_as_a_small_tag(client, operator):
    from django.urls import reverse

    from accounts import services
    from accounts.actors import Actor
    from accounts.models import BackendStatus as S
    from tests.accounts.states import account_in

    account = account_in(S.ACTIVE, operator)
    services.change_status(
        account,
        services.default_status_type(S.CREDIT_HOLD),
        actor=Actor.system("R-CH1"),
        reason="Non-payment",
    )
    client.force_login(operator)
    url = reverse("admin:accounts_account_overview", args=[account.pk])
    assert '<span class="rule-tag">R-CH1</span>' in client.get(url).content.decode()

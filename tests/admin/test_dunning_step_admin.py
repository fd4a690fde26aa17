"""Issue 16: the policy page's ladder exposes the step conditions (R-D5) and effects (R-D6), and a
step that cannot be applied is a form error on the page — never a 500, never half saved."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.dunning_models import (
    MSG_CAP_WITHOUT_PERCENT,
    MSG_FEE_AND_PERCENT,
    MSG_NO_CONDITION,
)
from billing.models import DunningPolicy, DunningStep

pytestmark = pytest.mark.django_db


def page_data(page) -> dict:
    """The change form's data as the browser would send it back, every inline included."""
    data = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else str(value)
    return data


def standard_page(client, administrator):
    policy = DunningPolicy.objects.get(name="Standard ladder")
    client.force_login(administrator)
    url = reverse("admin:billing_dunningpolicy_change", args=[policy.pk])
    return url, client.get(url)


def step_prefix(page, rule_id: str, position: int) -> str:
    formset = next(
        i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is DunningStep
    )
    form = next(f for f in formset.forms if f.instance.position == position)
    assert form.instance.rule_id == rule_id
    return form.prefix


def test_r_d5_the_ladder_shows_every_condition_and_effect_field(client, administrator):
    _url, page = standard_page(client, administrator)
    html = page.content.decode()
    for label in ("Overdue items ≥", "Total overdue ≥", "Fee, % of overdue", "Fee cap"):
        assert label in html
    assert "Cancel at once, with a prorated credit" in html
    assert "credit limit reached" in html  # R-D1's step (seed 001)


def test_r_d6_an_operator_sets_a_capped_percentage_fee_and_an_item_count(client, administrator):
    url, page = standard_page(client, administrator)
    prefix = step_prefix(page, "R-D2", 3)
    data = page_data(page)
    data.update(
        {
            f"{prefix}-min_overdue_items": "2",
            f"{prefix}-fee_percent": "1.5",
            f"{prefix}-fee_cap": "25.00",
            f"{prefix}-subscription_effect": "cancel_period_end",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    step = DunningStep.objects.get(policy__name="Standard ladder", position=3)
    assert (step.min_overdue_items, step.fee_percent, step.fee_cap) == (2, D("1.5"), D("25.00"))
    assert step.subscription_effect == "cancel_period_end"


@pytest.mark.parametrize(
    ("position", "changes", "message"),
    [
        (3, {"fee_percent": "150"}, "less than or equal to 100"),
        (3, {"fee_percent": "-1"}, "greater than or equal to 0"),
        (3, {"fee_percent": "abc"}, "Enter a number"),
        (3, {"fee_percent": "1.5", "fee_cap": "-5"}, "greater than or equal to 0"),
        (3, {"fee_cap": "5"}, str(MSG_CAP_WITHOUT_PERCENT)),
        (3, {"fee": "5.00", "fee_percent": "1.5"}, str(MSG_FEE_AND_PERCENT)),
        (3, {"condition": ""}, str(MSG_NO_CONDITION)),
        (3, {"min_overdue_items": "0"}, "greater than or equal to 1"),
        (3, {"min_overdue_amount": "0"}, "greater than or equal to 0.01"),
        (4, {"subscription_effect": "none"}, "cancels the account"),
    ],
)
def test_r_d5_r_d6_a_step_that_cannot_apply_is_a_form_error_and_nothing_is_saved(
    client, administrator, position, changes, message
):
    url, page = standard_page(client, administrator)
    rule = {3: "R-D2", 4: "R-D3"}[position]
    prefix = step_prefix(page, rule, position)
    before = list(DunningStep.objects.order_by("pk").values())
    data = page_data(page)
    for field, value in changes.items():
        data[f"{prefix}-{field}"] = value
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(DunningStep.objects.order_by("pk").values()) == before

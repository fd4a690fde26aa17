"""R-D7: notice templates render in a sandbox that exposes only the documented variables, as plain
strings; attribute access, unknown variables and tags other than {% if %} are refused on save."""

import pytest
from django.core.exceptions import ValidationError

from billing.models import DunningStep, StepNotice
from billing.notice_sandbox import VARIABLES, render, template_errors

VALUES = {
    "account": {"name": "Acme & Sons", "number": "A-1"},
    "amount_due": "49.90",
    "item_amount": "49.90",
    "currency": "USD",
    "due_date": "2026-11-01",
    "pay_link": "http://panel.example/panel/A-1/pay/",
    "contact": "orders@example.com",
}


def test_r_d7_every_documented_variable_renders_as_plain_text_without_escaping():
    source = " ".join(f"{{{{ {name} }}}}" for name in VARIABLES)
    assert template_errors(source) == []
    assert render(source, VALUES) == (
        "Acme & Sons A-1 49.90 49.90 USD 2026-11-01 http://panel.example/panel/A-1/pay/ "
        "orders@example.com"
    )


def test_r_d7_if_else_and_the_text_filters_are_allowed():
    source = "{% if amount_due != '0.00' %}Pay {{ amount_due }}{% else %}Nothing{% endif %} "
    source += "{{ account.name|upper }} {{ contact|default:pay_link }}"
    assert template_errors(source) == []
    assert render(source, VALUES) == "Pay 49.90 ACME & SONS orders@example.com"


@pytest.mark.parametrize(
    "source",
    [
        "{{ account.name.upper }}",  # a method of the string
        "{{ account.name.__class__ }}",
        "{{ account }}",  # the dict itself
        "{{ amount_due.as_tuple }}",
        "{% if account.name.upper == 'X' %}x{% endif %}",  # inside a condition
        "{{ contact|default:settings }}",  # as a filter's argument
        "{{ secret_key }}",
        "{{ request }}",
    ],
)
def test_r_d7_attribute_access_and_unknown_variables_are_refused(source):
    assert template_errors(source), source


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        "{% include 'emails/dunning_step.txt' %}",
        "{% extends 'panel/base.html' %}",
        "{% url 'admin:index' %}",
        "{% debug %}",
        "{% for x in amount_due %}{{ x }}{% endfor %}",
        "{% with a=contact %}{{ a }}{% endwith %}",
        "{% now 'Y' %}",
        "{% ssi '/etc/passwd' %}",
    ],
)
def test_r_d7_tags_other_than_if_are_refused(source):
    errors = template_errors(source)
    assert errors
    assert "is not allowed" in errors[0]


@pytest.mark.parametrize(
    "source", ["{% if %}", "{{ amount_due|truncatechars:3 }}", "{% if x %}", "{{ }}"]
)
def test_r_d7_syntax_errors_and_unknown_filters_are_refused_not_raised(source):
    assert template_errors(source)


@pytest.mark.django_db
def test_r_d7_a_template_is_checked_when_saved_through_full_clean():
    step = DunningStep.objects.filter(notice__gt="").first()
    notice = StepNotice(step=step, subject="Hi {{ account.name }}", body="{% load static %}")
    with pytest.raises(ValidationError) as refused:
        notice.full_clean()
    assert list(refused.value.message_dict) == ["body"]

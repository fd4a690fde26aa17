"""The notices' sandbox (R-D7): operators' templates render with Django's template language cut
down to plain-string variables from one documented list, `{% if %}` and five text filters.

Why it is safe: the engine has no built-in library (no `{% load %}`, `{% include %}`,
`{% extends %}`, `{% url %}`, no loaders), every value is a `str` (or a dict of them for
`account`), and a template is refused unless every variable it names — in the text, in
`{% if %}` conditions and in filter arguments — is one of VARIABLES exactly, so no attribute or
method of a string is reachable. Templates are checked when saved (a form error, never a 500)
and again before each render.
"""

from __future__ import annotations

from functools import cache

from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters
from django.template.base import FilterExpression, Lexer, TokenType, Variable, VariableNode
from django.template.defaulttags import IfNode, TemplateLiteral, do_if
from django.utils.translation import gettext_lazy as _

# The documented variables (docs/notices.md; the admin's help text reads this too).
VARIABLES = {
    "account.name": _("the account's name"),
    "account.number": _("the account's number"),
    "amount_due": _(
        "what releases the account now (R-CH4b; 0.00 when no payment is required), e.g. 49.90"
    ),
    "item_amount": _("the outstanding amount of the item due on due_date"),
    "currency": _("the account's currency, e.g. USD"),
    "due_date": _("the due date (dunning: of the earliest unpaid item; reminder: the item's)"),
    "pay_link": _("the control panel's payment page for the account"),
    "contact": _("who to contact about the account"),
}
ALLOWED_TAGS = ("if", "elif", "else", "endif")
FILTERS = ("default", "upper", "lower", "title", "capfirst")

MSG_TAG = _(
    "The tag {{% {tag} %}} is not allowed: notices may use {{% if %}} … {{% endif %}} only."
)
MSG_VARIABLE = _("Unknown variable “{name}”. Use one of: {known}.")
MSG_SYNTAX = _("Template error: {error}")

register = Library()
register.tag("if", do_if)
for _name in FILTERS:
    register.filter(_name, getattr(defaultfilters, _name))


class NoticeTemplateError(ValueError):
    """A template the sandbox refuses; the message says why."""


class _SandboxEngine(Engine):
    default_builtins: list[str] = []  # noqa: RUF012 — Engine's own attribute, replaced


@cache
def engine() -> Engine:
    return _SandboxEngine(
        builtins=[__name__],
        libraries={},
        loaders=[],
        autoescape=False,  # plain-text email: "&" stays "&"
        string_if_invalid="",
    )


def template_errors(source: str) -> list[str]:
    """What is wrong with `source` as a notice template; empty when the sandbox renders it."""
    try:
        _compile(source)
    except NoticeTemplateError as exc:
        return [str(exc)]
    return []


def render(source: str, values: dict) -> str:
    """Render a notice template with the documented values (plain strings only)."""
    return _compile(source).render(Context(values, autoescape=False))


def known_variables() -> str:
    return ", ".join(VARIABLES)


def _compile(source: str):
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            tag = (token.split_contents() or [""])[0]
            if tag not in ALLOWED_TAGS:
                raise NoticeTemplateError(MSG_TAG.format(tag=tag))
    try:
        template = engine().from_string(source)
    except TemplateSyntaxError as exc:
        raise NoticeTemplateError(MSG_SYNTAX.format(error=exc)) from None
    _check_nodes(template.nodelist)
    return template


def _check_nodes(nodelist) -> None:
    for node in nodelist:
        if isinstance(node, VariableNode):
            _check_expression(node.filter_expression)
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                if condition is not None:
                    _check_condition(condition)
                _check_nodes(branch)


def _check_condition(condition) -> None:
    if isinstance(condition, TemplateLiteral):
        _check_expression(condition.value)
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if part is not None:
            _check_condition(part)


def _check_expression(expression: FilterExpression) -> None:
    _check_variable(expression.var)
    for _func, args in expression.filters:
        for is_lookup, arg in args:
            if is_lookup:
                _check_variable(arg)


def _check_variable(var) -> None:
    if isinstance(var, Variable) and var.lookups is not None:
        name = ".".join(var.lookups)
        if name not in VARIABLES:
            raise NoticeTemplateError(MSG_VARIABLE.format(name=name, known=known_variables()))

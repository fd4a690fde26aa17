"""Rule ids (R-D3, R-CH7b …) are for operators: customers read plain words (issue 18).

`customer_words` takes a text meant for a customer (a ledger description, a history note, a
message) and drops each parenthesized rule id — "Reactivation fee (R-D3)" → "Reactivation fee" —
and names a bare one in words — "R-CH7b approved" → "Manual approval: approved".
`rule_tags` keeps the ids for operators, as small tags."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

RULE = r"R-[A-Z]{1,3}\d{0,2}[a-z]?(?:\s?\([a-z]\))?"
# "(R-D3)", "(R-E5, R-X5)", "(rule R-CH1 (a))": only ids inside the brackets.
BRACKETED = re.compile(rf"\s*\((?:rules?\s+)?{RULE}(?:\s*(?:,|and|/)\s*{RULE})*\)")
BARE = re.compile(rf"\b{RULE}")
LEADING = re.compile(rf"^\s*({RULE})\s*[:\-–]?\s+(?=\S)")

# The words a customer reads for a rule that names something they see.
RULE_WORDS = {
    "R-D3": "Reactivation fee",
    "R-CH7b": "Manual approval",
    "R-CH8": "Credit hold",
    "R-CH1": "Credit limit",
    "R-CH4": "Required payment",
    "R-E5": "Cancellation",
    "R-G2": "Unlock",
    "R-G3": "Renewal deadline",
}


def _words(rule: str) -> str:
    return RULE_WORDS.get(re.sub(r"\s?\([a-z]\)$", "", rule), "")


@register.filter
def customer_words(text) -> str:
    """`text` without rule ids, for a customer's eyes (panel pages, emails)."""
    if text is None:
        return ""
    plain = BRACKETED.sub("", str(text))
    leading = LEADING.match(plain)
    if leading and _words(leading.group(1)):
        plain = f"{_words(leading.group(1))}: {plain[leading.end() :]}"
    plain = BARE.sub(lambda m: _words(m.group(0)).lower() or "", plain)
    return re.sub(r"\s{2,}", " ", re.sub(r"\s+([.,;:)])", r"\1", plain)).strip()


@register.filter(needs_autoescape=True)
def rule_tags(text, autoescape=True) -> str:
    """`text` with each rule id as a small tag, for operators: "Manual approval [R-CH7b]"."""
    escaped = conditional_escape(text) if autoescape else str(text)
    parts, at = [], 0
    for match in re.finditer(rf"\s*\(({RULE}(?:\s*,\s*{RULE})*)\)|{RULE}", str(escaped)):
        parts.append(str(escaped)[at : match.start()])
        rules = match.group(1) or match.group(0)
        parts.append(format_html(' <span class="rule-tag">{}</span>', rules.strip()))
        at = match.end()
    parts.append(str(escaped)[at:])
    return mark_safe("".join(parts))  # noqa: S308 - escaped above, tags built by format_html

"""Arguments of the public services checked against what they become (issue 15, item 10): text
without NUL bytes (PostgreSQL cannot store them) and within its column, dates that are dates and
not date-times, date-times that are date-times, flags that are booleans, names to look up that
a database can compare. Each check raises the calling app's domain error with a message, before
anything is read or written — never a DataError, TypeError or ValidationError."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .errors import AccountsError

NUL = "\x00"
MSG_TEXT = _("{label} must be text.")
MSG_NUL = _("{label} cannot contain a NUL character.")
MSG_TOO_LONG = _("{label} can be at most {limit} characters long.")
MSG_DATE = _("{label} must be a date (YYYY-MM-DD), not {value!r:.40}.")
MSG_DATETIME = _("{label} must be a date and time with a time zone, not {value!r:.40}.")
MSG_FLAG = _("{label} must be true or false, not {value!r:.40}.")


def text(value: Any, label: str, *, limit: int | None = None, error=AccountsError) -> str:
    """Text for a column of `limit` characters (a lazy translation counts as text)."""
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        raise error(MSG_TEXT.format(label=label))
    if NUL in value:
        raise error(MSG_NUL.format(label=label))
    if limit is not None and len(value) > limit:
        raise error(MSG_TOO_LONG.format(label=label, limit=limit))
    return value


def lookup(value: Any, label: str, *, error=AccountsError) -> Any:
    """An object, an id or a name to look up: a name must be one a database can compare."""
    if isinstance(value, str) and NUL in value:
        raise error(MSG_NUL.format(label=label))
    return value


def day(value: Any, label: str, *, error=AccountsError, optional: bool = True) -> date | None:
    """A date, not a date-time (None when optional)."""
    if value is None and optional:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise error(MSG_DATE.format(label=label, value=value))
    return value


def moment(value: Any, label: str, *, error=AccountsError, optional: bool = True):
    """An aware date-time (None when optional)."""
    if value is None and optional:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise error(MSG_DATETIME.format(label=label, value=value))
    try:  # in UTC: PostgreSQL reads no offset beyond ±15:59, which Python allows
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise error(MSG_DATETIME.format(label=label, value=value)) from None


def flag(value: Any, label: str, *, error=AccountsError) -> bool:
    """True or False, nothing that merely looks like one."""
    if not isinstance(value, bool):
        raise error(MSG_FLAG.format(label=label, value=value))
    return value

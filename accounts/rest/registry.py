"""The public REST API's frame (issue 19): the resources and error mappings that apps register.

`accounts` owns the frame — authentication by service API keys, scopes, throttling, the error
shape, pagination and the URLconf (accounts/rest/urls.py builds its router from `routes()`). Each
app registers its viewsets from its own `rest` module, discovered by AccountsConfig.ready() the way
admin.autodiscover finds `admin` modules; higher apps map their domain errors to HTTP statuses with
`register_error`, so accounts never imports billing or subscriptions (STYLE: app layering).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    """A viewset served under /api/v1/`prefix` (a regex path prefix, e.g. accounts/(?P<…>…)/x)."""

    prefix: str
    viewset: type
    basename: str
    order: int


_routes: dict[str, Route] = {}
_errors: dict[type, int] = {}


def register(prefix: str, viewset: type, basename: str, order: int = 100) -> None:
    """Serve `viewset` at /api/v1/`prefix`/; a basename is registered once."""
    route = Route(prefix, viewset, basename, order)
    if _routes.get(basename, route) != route:
        raise ValueError(f"The API resource {basename!r} is already registered.")
    _routes[basename] = route


def routes() -> list[Route]:
    """Every registered resource, by `order` then basename (literal prefixes before patterns)."""
    return sorted(_routes.values(), key=lambda r: (r.order, r.basename))


def register_error(error_class: type, status: int) -> None:
    """Answer a domain error of `error_class` (or a subclass) with `status`."""
    _errors[error_class] = status


def status_for(exc: BaseException, default: int = 400) -> int:
    """The status of the most specific registered class `exc` is an instance of."""
    for cls in type(exc).__mro__:
        if cls in _errors:
            return _errors[cls]
    return default


@dataclass(frozen=True)
class AccountField:
    """A field an operator may edit with PATCH /accounts/{number}/: `make_field()` builds its
    serializer field, `write(account, value, actor)` calls the service that changes and audits it."""

    name: str
    make_field: Callable[[], Any]
    write: Callable[[Any, Any, Any], None]


_account_fields: dict[str, AccountField] = {}


def register_account_field(
    name: str, make_field: Callable[[], Any], write: Callable[[Any, Any, Any], None]
) -> None:
    _account_fields[name] = AccountField(name, make_field, write)


def account_fields() -> list[AccountField]:
    return list(_account_fields.values())


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: a `status` answer of operation `source` feeds `parameters` of `target`
    (operation ids; values are runtime expressions like "$response.body#/id")."""

    source: str
    status: str
    name: str
    target: str
    parameters: tuple[tuple[str, str], ...]


_links: dict[tuple[str, str], Link] = {}


def register_link(source: str, status: str, name: str, target: str, **parameters: str) -> None:
    """Document that `target` follows `source` (schemathesis' stateful tests walk these)."""
    _links[(source, name)] = Link(source, status, name, target, tuple(sorted(parameters.items())))


def links() -> list[Link]:
    return list(_links.values())

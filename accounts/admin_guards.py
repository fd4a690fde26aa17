"""A guard every operator-portal view passes through (issue 15 item 10): a NUL byte in a query
parameter — a change list's filter, search, ordering, page or date drill-down — is answered 400
with a message, never handed to the database (PostgreSQL refuses NUL in text: a 500).

It wraps `admin.site.admin_view`, which every ModelAdmin's URLs (ours, Django's, axes') and the
site's own views go through, so a model registered later is covered with no change here."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _

MSG_NUL_IN_PARAMETER = _("A request parameter contains a NUL character; remove it and try again.")
NUL = "\x00"


def has_nul(query) -> bool:
    """Whether any parameter name or value of `query` (a QueryDict) contains a NUL."""
    return any(NUL in key or any(NUL in v for v in values) for key, values in query.lists())


def refuse_nul(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if has_nul(request.GET):
            return HttpResponseBadRequest(str(MSG_NUL_IN_PARAMETER), content_type="text/plain")
        return view(request, *args, **kwargs)

    return guarded


def install(site: admin.AdminSite) -> None:
    """Make every view `site` wraps refuse a NUL in its query string (idempotent)."""
    if getattr(site.admin_view, "refuses_nul", False):
        return
    wrap = site.admin_view

    def admin_view(view, cacheable=False):
        return wrap(refuse_nul(view), cacheable)

    admin_view.refuses_nul = True  # type: ignore[attr-defined]
    site.admin_view = admin_view  # type: ignore[method-assign]

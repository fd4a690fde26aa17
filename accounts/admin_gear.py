"""The gear menu of the operator portal: a `<details>` menu of POST buttons next to each row.

Each item is a `get_urls()` view wrapped in `admin_view` (login, staff, CSRF) and `require_POST`
(a GET is answered 405); the view re-checks the item's permission (403) and whether it applies to
the object's state, then hands over to a handler that calls one service. Items that need input
render their form when the POST carries no `_step`; the form posts back to the same URL with
`_step=preview` (when the action previews ledger entries, R-X5) and then `_step=confirm`.

HTML forbids nested forms and the admin's change list is one big form, so the menu's buttons
target a small form of their own (`form="gear-form"`, `formaction=<item URL>`) rendered after the
change list: each click posts only the CSRF token and the button, to its own URL.

A ModelAdmin lists its items in `gear_actions`. The account's menu is a GearMenu that every app
fills from its admin.py (accounts/admin_frames.py), so a higher app adds items to a lower app's
menu without the lower app importing it (issue 13).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from . import scoping
from .errors import AccountsError

# Markers a change-list row replaces with its own pk and name (reverse() leaves them as they are).
PK_MARKER, NAME_MARKER = "gear-row-pk-marker", "gear-row-name-marker"
MSG_DOES_NOT_APPLY = "“{action}” does not apply to {obj}: {why}"


# A handler is `handler(model_admin, request, obj, action) -> HttpResponse`, like Django's admin
# actions, or the name of a method of the ModelAdmin taking (request, obj, action).
Handler = Callable[..., HttpResponse] | str


@dataclass(frozen=True)
class GearAction:
    """One item of the gear menu: its URL slug, label, permission, handler and place in the menu."""

    slug: str
    label: str
    permission: str
    handler: Handler
    applies: Callable[[Any], str | None] = lambda obj: None  # why it does not apply, or None
    in_menu: bool = True
    order: int = 0  # the menu lists its items by this key (GearMenu)


class GearMenu:
    """A gear menu that apps fill with their items, the way they register with `admin.site`.

    Register from an app's admin.py: the admin's URLs are built from the items registered when
    the URLconf is first loaded, which is after every admin module has been imported."""

    def __init__(self, name: str):
        self.name = name
        self._items: dict[str, GearAction] = {}
        self._sorted: tuple[GearAction, ...] = ()

    def register(self, *actions: GearAction) -> None:
        """Add `actions`; a slug or an order key already taken is a configuration error."""
        for action in actions:
            if action.slug in self._items:
                raise ImproperlyConfigured(f"{self.name} menu: “{action.slug}” is registered.")
            taken = next((a for a in self._items.values() if a.order == action.order), None)
            if taken is not None:
                raise ImproperlyConfigured(
                    f"{self.name} menu: “{action.slug}” and “{taken.slug}” share the order "
                    f"key {action.order}; each item needs its own place."
                )
            self._items[action.slug] = action
        self._sorted = tuple(sorted(self._items.values(), key=lambda a: a.order))

    def unregister(self, slug: str) -> None:
        """Remove the item `slug` (a KeyError when there is none)."""
        del self._items[slug]
        self._sorted = tuple(a for a in self._sorted if a.slug != slug)

    def actions(self) -> tuple[GearAction, ...]:
        """Every registered item, by order key."""
        return self._sorted

    def __iter__(self):
        return iter(self._sorted)

    def __getitem__(self, slug: str) -> GearAction:
        return self._items[slug]


def held_permissions(request) -> Callable[[str], bool]:
    """`held(permission)`, asked once per request and permission: a 100-row list asks each of
    its rows for every item's permission. Provider-only items are never a reseller operator's
    (accounts.scoping.has_perm, R-R3)."""
    cache = request.__dict__.setdefault("_gear_permissions", {})

    def held(permission: str) -> bool:
        if permission not in cache:
            cache[permission] = scoping.has_perm(request.user, permission)
        return cache[permission]

    return held


class GearMenuMixin:
    """Adds the gear column to a ModelAdmin's change list and the action URLs behind it.

    The items are `gear_actions`: a tuple, or a property reading a GearMenu that apps fill."""

    gear_actions: tuple[GearAction, ...] = ()
    # After an action started from the list: back to the list (False) or to the object (True).
    gear_returns_to_object = False
    change_list_template = "admin/portal/gear_change_list.html"

    # --- the menu ---

    def allowed_gear_actions(self, request, obj) -> list[GearAction]:
        held = held_permissions(request)
        return [
            action
            for action in self.gear_actions
            if action.in_menu and held(action.permission) and action.applies(obj) is None
        ]

    def gear_url(self, action: GearAction, obj) -> str:
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{action.slug}",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )

    def gear_items(self, request, obj) -> list[dict]:
        return self._items(self.allowed_gear_actions(request, obj), obj)

    def _items(self, actions, obj) -> list[dict]:
        return [
            {"label": action.label, "url": self.gear_url(action, obj), "slug": action.slug}
            for action in actions
        ]

    @staticmethod
    def gear_menu_html(items: list[dict], name: str) -> str:
        if not items:
            return "—"
        buttons = format_html(
            "".join(
                '<button type="submit" form="gear-form" formaction="{}" '
                'class="gear-item" data-action="{}">{}</button>'
                for _item in items
            ),
            *[value for item in items for value in (item["url"], item["slug"], item["label"])],
        )
        return format_html(
            '<details class="gear-menu"><summary title="Actions" aria-label="Actions for {}">'
            '⚙</summary><div class="gear-items">{}</div></details>',
            name,
            buttons,
        )

    def get_list_display(self, request):
        # A change list shows a hundred rows but only a few distinct menus (the items depend on
        # the status and the operator's permissions): each menu is built once per request with
        # markers for the row's pk and name, which each row then fills in (seven reverse() calls
        # and twenty escapes per row were most of a 100-row page's rendering time).
        menus: dict[tuple[str, ...], str] = {}
        marker = SimpleNamespace(pk=PK_MARKER)

        def gear(obj):
            actions = self.allowed_gear_actions(request, obj)
            key = tuple(action.slug for action in actions)
            if key not in menus:
                menus[key] = str(self.gear_menu_html(self._items(actions, marker), NAME_MARKER))
            return mark_safe(  # noqa: S308 - built escaped; the row's pk and name escaped here
                menus[key]
                .replace(PK_MARKER, escape(str(obj.pk)))
                .replace(NAME_MARKER, escape(str(obj)))
            )

        gear.short_description = "Actions"
        return [*super().get_list_display(request), gear]

    # --- the URLs ---

    def get_urls(self):
        opts = self.model._meta
        urls = [
            path(
                f"<path:object_id>/actions/{action.slug}/",
                self.admin_site.admin_view(self._gear_view(action)),
                name=f"{opts.app_label}_{opts.model_name}_{action.slug}",
            )
            for action in self.gear_actions
        ]
        return urls + super().get_urls()

    def _gear_view(self, action: GearAction):
        @require_POST
        def view(request, object_id):
            # The object first (R-R3): outside the operator's scope it is a 404 like a missing
            # id, whatever their permissions; then the item's permission (403).
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404(f"No {self.model._meta.verbose_name} with the id {object_id}.")
            if not scoping.has_perm(request.user, action.permission):
                raise PermissionDenied
            why = action.applies(obj)
            if why is not None:
                message = MSG_DOES_NOT_APPLY.format(action=action.label, obj=obj, why=why)
                return self.gear_done(request, obj, message, messages.ERROR)
            if isinstance(action.handler, str):
                return getattr(self, action.handler)(request, obj, action)
            return action.handler(self, request, obj, action)

        view.__name__ = f"gear_{action.slug.replace('-', '_')}"
        return view

    # --- helpers for handlers ---

    def gear_return_url(self, request, obj) -> str:
        """Where to go after the action: the page it was started from, if it is ours. With
        `gear_returns_to_object` only one of the object's own pages (its overview, its change
        form) counts, else its default page: the account's overview, not the list (issue 18)."""
        wanted = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
        if not wanted or not url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return self.gear_default_return_url(obj)
        if self.gear_returns_to_object and not self._is_object_page(obj, wanted):
            return self.gear_default_return_url(obj)
        return wanted

    def _is_object_page(self, obj, url: str) -> bool:
        opts = self.model._meta
        change = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        own = change.removesuffix("change/")  # /admin/<app>/<model>/<pk>/
        target = urlsplit(url).path
        # An action's own URL answers only POST: going back there would be a 405.
        return target.startswith(own) and "/actions/" not in target[len(own) - 1 :]

    def gear_default_return_url(self, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def gear_done(self, request, obj, message, level=messages.SUCCESS):
        if message:
            self.message_user(request, message, level)
        return HttpResponseRedirect(self.gear_return_url(request, obj))

    def gear_action_name(self, action: GearAction) -> str:
        """The action as its confirm button names it: a bare verb names what it acts on
        ("Cancel account"), so it never reads like the page's way out (issue 18)."""
        name = action.label.rstrip("…")
        return f"{name} {self.model._meta.verbose_name}" if " " not in name else name

    def gear_page(self, request, obj, action: GearAction, **context):
        """Render an action's form, preview or confirmation page in the admin's look."""
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "app_label": opts.app_label,
            "original": obj,
            "object": obj,
            "title": f"{action.label.rstrip('…')}: {obj}",
            "action": action,
            "action_name": self.gear_action_name(action),
            "action_url": self.gear_url(action, obj),
            "next": self.gear_return_url(request, obj),
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/portal/action_form.html", context)

    def run_form_action(
        self,
        request,
        obj,
        action: GearAction,
        *,
        form_class,
        perform: Callable[[dict], str],
        preview: Callable[[dict], Any] | None = None,
        form_kwargs: dict | None = None,
        intro: str = "",
    ):
        """Form → (preview) → confirm: show the form, show what will be written, then do it.

        `perform(cleaned_data)` calls the service and returns the success message; a domain
        refusal is shown as an admin error message on the form page, and nothing is written."""
        form_kwargs = form_kwargs or {}
        step = request.POST.get("_step")
        page = {"intro": intro, "has_preview": preview is not None}
        if step is None:
            form = scoping.scope_form(form_class(**form_kwargs), request.user)  # R-R3
            return self.gear_page(request, obj, action, form=form, **page)
        form = scoping.scope_form(form_class(request.POST, **form_kwargs), request.user)
        if step == "edit" or not form.is_valid():
            return self.gear_page(request, obj, action, form=form, **page)
        try:
            if preview is not None and step == "preview":
                planned = preview(form.cleaned_data)
                return self.gear_page(
                    request, obj, action, form=form, preview=planned, confirming=True, **page
                )
            message = perform(form.cleaned_data)
        except AccountsError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self.gear_page(request, obj, action, form=form, **page)
        return self.gear_done(request, obj, message)

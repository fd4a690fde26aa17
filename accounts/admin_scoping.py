"""R-R3 on every page of the operator portal: each ModelAdmin the site registers — ours, billing's,
subscriptions', Django's and axes', and any added later — is given ScopedAdminMixin, so its
change list, search, filters, actions, change/delete/history pages, gear actions and custom views
that read `get_queryset`/`get_object` show a reseller operator their reseller's rows only
(accounts/scoping.py decides which). An object outside the scope is a 404, exactly like an id
that does not exist (never a 403 that would confirm it exists, never Django's redirect)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import scoping

MSG_NOT_FOUND = _("No {name} with the id {id}.")


class ScopedAdminMixin:
    """Narrows a ModelAdmin to the operator's reseller (R-R3); provider operators see all."""

    scoped_for_resellers = True

    def get_queryset(self, request):
        return scoping.scope(super().get_queryset(request), request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(str(MSG_NOT_FOUND).format(name=opts.verbose_name, id=object_id))

    # Django checks the permission before it looks the object up (a 403 for any id); the scope
    # comes first here, so another reseller's object is the 404 a missing id is.

    def _in_scope_or_404(self, request, object_id) -> None:
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        if to_field and not self.to_field_allowed(request, to_field):
            return  # Django answers it: 400 (DisallowedModelAdminToField)
        if self.get_object(request, unquote(object_id), to_field) is None:
            self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def user_change_password(self, request, id, form_url=""):
        self._in_scope_or_404(request, id)
        return super().user_change_password(request, id, form_url)

    # --- writes: reference data and the provider's records are the provider's (R-R3) ---

    def has_add_permission(self, request, *args, **kwargs):
        if not scoping.may_write(self.model, request.user):
            return False
        return super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        if not scoping.may_write(self.model, request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not scoping.may_write(self.model, request.user):
            return False
        return super().has_delete_permission(request, obj)

    # --- forms: a reseller operator picks only their reseller's objects ---

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scoped_choices(field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scoped_choices(field, request)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if scoping.owns_reseller_field(self.model) and scoping.is_reseller_operator(request.user):
            exclude.append("reseller")  # theirs, set on save
        return exclude or None

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if scoping.owns_reseller_field(self.model) and scoping.is_reseller_operator(request.user):
            fields = [f for f in fields if f != "reseller"]
        elif obj is None and scoping.owns_reseller_field(self.model) and "reseller" not in fields:
            fields.append("reseller")  # a provider operator says whose the new row is
        return fields

    def save_model(self, request, obj, form, change):
        reseller_id = scoping.reseller_id_of(request.user)
        if not change and reseller_id is not None and scoping.owns_reseller_field(self.model):
            obj.reseller_id = reseller_id  # R-R3: a reseller operator's new rows are theirs
        super().save_model(request, obj, form, change)
        is_user = self.model is get_user_model()
        if reseller_id is not None and is_user and (not change or obj.is_staff):
            # A user a reseller operator adds, or makes staff, is the reseller's: in its scope,
            # and never a provider operator, who would see every reseller (R-R3).
            scoping.make_reseller_operator(obj, reseller_id)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            inline.__class__ = _scoped_inline_class(type(inline))
        return inlines

    # --- provider operators filter by reseller and see the column (R-R3) ---

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if not self._shows_reseller(request) or "reseller" in columns:
            return columns
        if "name" in columns:  # under the name, so a wide list (accounts) gains no column
            columns[columns.index("name")] = name_and_reseller
        else:
            columns.insert(min(2, len(columns)), "reseller")
        return columns

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        if links and "name" in links and name_and_reseller in list_display:
            return [name_and_reseller if link == "name" else link for link in links]
        return links

    def get_list_select_related(self, request):
        related = super().get_list_select_related(request)
        if self._shows_reseller(request) and isinstance(related, list | tuple):
            return [*related, "reseller"]
        return related

    def _shows_reseller(self, request) -> bool:
        return scoping.owns_reseller_field(self.model) and not scoping.is_reseller_operator(
            request.user
        )

    def get_list_filter(self, request):
        filters = [_scoped_filter(self.model, f) for f in super().get_list_filter(request)]
        if (
            scoping.owns_reseller_field(self.model)
            and not scoping.is_reseller_operator(request.user)
            and "reseller" not in filters
        ):
            filters.append("reseller")
        return filters


@admin.display(description=_("name"), ordering="name")
def name_and_reseller(obj):
    """A provider operator's list column: the row's name, its reseller (if any) below it."""
    if obj.reseller_id is None:
        return obj.name
    return format_html('{}<div class="small text-muted">{}</div>', obj.name, obj.reseller)


class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
    """A related field's filter offering only the related objects the operator may see (R-R3):
    Django's lists every row of the related table (another reseller's endpoints, policies…)."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        related = scoping.scope(field.remote_field.model._default_manager.all(), request.user)
        if ordering:
            related = related.order_by(*ordering)
        to_field = field.remote_field.get_related_field().attname
        return [(getattr(obj, to_field), str(obj)) for obj in related]


def _scoped_filter(model, list_filter):
    """A plain relation in list_filter gets the scoped filter; anything else stays as it is."""
    if not isinstance(list_filter, str):
        return list_filter
    try:
        field = get_fields_from_path(model, list_filter)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return list_filter
    if field.is_relation and (field.many_to_one or field.many_to_many):
        return (list_filter, ScopedRelatedFieldListFilter)
    return list_filter


def _scoped_choices(field, request):
    queryset = getattr(field, "queryset", None)
    if queryset is not None:
        field.queryset = scoping.scope(queryset, request.user)
    return field


class ScopedInlineMixin:
    """An inline's choices (a membership's user, …) narrowed like its ModelAdmin's."""

    scoped_for_resellers = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scoped_choices(field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scoped_choices(field, request)


_inline_classes: dict[type, type] = {}


def _scoped_inline_class(inline_class: type) -> type:
    if getattr(inline_class, "scoped_for_resellers", False):
        return inline_class
    if inline_class not in _inline_classes:
        _inline_classes[inline_class] = type(
            inline_class.__name__, (ScopedInlineMixin, inline_class), {}
        )
    return _inline_classes[inline_class]


def scoped_class(admin_class: type) -> type:
    """`admin_class` with ScopedAdminMixin in front (itself when it has it already)."""
    if getattr(admin_class, "scoped_for_resellers", False):
        return admin_class
    return type(admin_class.__name__, (ScopedAdminMixin, admin_class), {})


def install(site: admin.AdminSite) -> None:
    """Scope every ModelAdmin `site` holds now and every one registered later (idempotent)."""
    for model, model_admin in list(site._registry.items()):
        if not getattr(model_admin, "scoped_for_resellers", False):
            site._registry[model] = scoped_class(type(model_admin))(model, site)
    if getattr(site.register, "scopes_resellers", False):
        return
    register = site.register

    def scoped_register(model_or_iterable, admin_class=None, **options):
        admin_class = scoped_class(admin_class or admin.ModelAdmin)
        return register(model_or_iterable, admin_class, **options)

    scoped_register.scopes_resellers = True  # type: ignore[attr-defined]
    site.register = scoped_register  # type: ignore[method-assign]

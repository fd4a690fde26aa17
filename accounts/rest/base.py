"""What every REST resource shares: the key's scopes, the account it is nested under (addressed by
its number, 404 when the key may not see it), and who acts (api_actor)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from accounts import scoping
from accounts.models import Account

MSG_NUL = "A query parameter cannot contain a NUL character."
ACCOUNT_PREFIX = r"accounts/(?P<account_number>[^/]+)"
ACCOUNT_NUMBER = OpenApiParameter(
    "account_number", OpenApiTypes.STR, OpenApiParameter.PATH, description="The account number."
)


def visible_accounts(request):
    """The accounts this request's key may see (R-R3): a reseller's key its reseller's, the
    provider's key all; an account outside them is a 404, like an unknown one."""
    accounts = Account.objects.select_related("status_type", "status_reason")
    return scoping.scope_for_key(accounts, request.auth)


class AccountNested:
    """A resource under /accounts/{account_number}/: `account_queryset(account)` lists it."""

    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads the model
            return self.queryset
        return self.account_queryset(self.get_account())

    def account_queryset(self, account):
        raise NotImplementedError

    def get_account(self) -> Account:
        if not hasattr(self, "_account"):
            number = self.kwargs["account_number"]
            self._account = get_object_or_404(visible_accounts(self.request), number=number)
        return self._account

    def get_account_id(self) -> int:
        """The id of the account in the URL, for a service that reads and locks the row itself (a
        posting): one narrow read, the same 404 as get_account."""
        if hasattr(self, "_account"):
            return self._account.pk
        pk = scoping.account_id_for_key(self.kwargs["account_number"], self.request.auth)
        if pk is None:
            raise Http404
        return pk


class ReadOnly(viewsets.GenericViewSet):
    """Base of the API's viewsets (authentication, scopes, paging come from REST_FRAMEWORK)."""

    def filter_queryset(self, queryset):
        """The filters narrow a list; an object named by its key is not filtered (DRF would build
        and validate the FilterSet's form on every retrieve and every action on one object)."""
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # PostgreSQL text holds no NUL: no object has one in its key, no filter can match it.
        if any("\x00" in str(value) for value in kwargs.values()):
            raise Http404
        if any("\x00" in k or "\x00" in v for k, v in request.query_params.items()):
            raise ValidationError({"query": [MSG_NUL]})

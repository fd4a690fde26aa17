"""`field__any=[…]`: the same test as `field__in`, sent to PostgreSQL as one array parameter
(`field = ANY(%s)`) instead of one placeholder per value. The sweeps ask about 2,000 ids at a time;
one parameter spares the driver 2,000 quotings and the server a 2,000-item list to parse (issue 8).
Elsewhere it is `IN (…)`. Registered for every field and foreign key in AccountsConfig.ready()."""

from django.core.exceptions import EmptyResultSet
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _plain_ints(values) -> bool:
    return all(type(v) is int for v in values)


class _AsArray:
    """What `__any` adds to its `IN` lookup: ids pass unprepared, PostgreSQL gets one array."""

    lookup_name = "any"

    def get_prep_lookup(self):
        if isinstance(self.rhs, list | tuple | set) and _plain_ints(self.rhs):
            return list(self.rhs)  # ids: nothing to prepare, one by one, 2,000 times
        return super().get_prep_lookup()

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [v for v in self.rhs if v is not None]
        if not _plain_ints(values):
            values = [field.get_db_prep_value(v, connection, prepared=True) for v in values]
        if not values:
            raise EmptyResultSet
        return f"{lhs} = ANY(%s::{field.cast_db_type(connection)}[])", (*lhs_params, values)


class AnyOf(_AsArray, In):
    """`pk__any=[…]` on any field."""


class RelatedAnyOf(_AsArray, RelatedIn):
    """`account_id__any=[…]` / `account__any=[…]` on a foreign key."""

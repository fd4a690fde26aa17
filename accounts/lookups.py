"""`field__any=[…]`: the same test as `field__in`, sent to PostgreSQL as one array parameter
(`field = ANY(%s)`) instead of one placeholder per value. The sweeps ask about 2,000 ids at a time;
one parameter spares the driver 2,000 quotings and the server a 2,000-item list to parse (issue 8).
Elsewhere it is `IN (…)`. Registered for every field and foreign key in AccountsConfig.ready()."""

from django.core.exceptions import EmptyResultSet
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [
            field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs if v is not None
        ]
        if not values:
            raise EmptyResultSet
        return f"{lhs} = ANY(%s::{field.cast_db_type(connection)}[])", (*lhs_params, values)


class RelatedAnyOf(RelatedIn):
    """`account_id__any=[…]` / `account__any=[…]` on a foreign key."""

    lookup_name = "any"
    as_postgresql = AnyOf.as_postgresql

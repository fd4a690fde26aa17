"""DESIGN §2's transition table, written out once more by hand so tests do not trust the code's copy.

op = an operator only; sys = automation only; any = operator or automation; ch2 = only through
R-CH2 (an unlock below the threshold); - = refused. Customers may never change a status.
"""

from accounts.models import BackendStatus as S

ORDER = [
    S.PROSPECT,
    S.ACTIVE,
    S.CREDIT_HOLD,
    S.SUSPENDED,
    S.ADMINISTRATIVE_HOLD,
    S.CANCELLED,
    S.DELETED,
]
GRID = """
             prospect active credit_hold suspended administrative_hold cancelled deleted
prospect         op      op     -           -         -                   op        op
active           -       any    sys         any       any                 any       op
credit_hold      -       sys    any         any       any                 any       op
suspended        -       any    -           any       op                  any       op
administrative_hold - op        ch2         -         any                 op        op
cancelled        -       op     -           -         -                   any       op
deleted          -       -      -           -         -                   -         -
"""


def _parse():
    lines = [line.split() for line in GRID.strip().splitlines()]
    header = lines[0]
    table = {}
    for row in lines[1:]:
        for to, who in zip(header, row[1:], strict=True):
            table[(row[0], to)] = who
    return table


EXPECTED = _parse()
ACTOR_KINDS = ["operator", "system", "customer"]


def allowed(frm, to, actor_kind, rule_id=""):
    who = EXPECTED[(frm, to)]
    if who == "ch2":
        return actor_kind in ("operator", "system") and rule_id == "R-CH2"
    return (
        (who == "any" and actor_kind in ("operator", "system"))
        or (who == "op" and actor_kind == "operator")
        or (who == "sys" and actor_kind == "system")
    )


ALL_CASES = [(f, t, a) for f in ORDER for t in ORDER for a in ACTOR_KINDS]

"""Values the guide's rules reject, each put into a file the writer made: the rules and the reader must both
refuse them, naming the element (tests of rules, reader and `mesosafe signals`)."""

from __future__ import annotations

from dataclasses import dataclass

from mesosafe.e2b import codes as c


@dataclass(frozen=True)
class Mutation:
    name: str
    old: str
    new: str
    element: str  # the guide's element number the rules and the reader name
    last: bool = False  # change the last occurrence of `old`, not the first

    def apply(self, xml: str) -> str:
        assert self.old in xml, self.old
        if self.last:
            head, _, tail = xml.rpartition(self.old)
            return head + self.new + tail
        return xml.replace(self.old, self.new, 1)


ROLE = f'code="1" codeSystem="{c.OID_DRUG_ROLE}"'
OUTCOME = f'code="2" codeSystem="{c.OID_OUTCOME}"'  # conftest's make_case: reaction r-1 is recovering

# On conftest.make_case(): born 1990-04-02, onset 2026-10-19, product d-1 given 2026-09-28.
MUTATIONS = [
    Mutation("drug role 7", ROLE, ROLE.replace('"1"', '"7"'), "G.k.1"),
    Mutation("drug role blank", ROLE, ROLE.replace('"1"', '""'), "G.k.1"),
    Mutation("outcome 9", OUTCOME, OUTCOME.replace('"2"', '"9"'), "E.i.7"),
    Mutation("causality to no product", '<id root="d-1" />', '<id root="nope" />', "G.k.9.i", last=True),
    Mutation("birth date 30 February", '<birthTime value="19900402"', '<birthTime value="19870230"', "D.2.1"),
    Mutation("drug start 32 December", '<low value="20260928"', '<low value="20261232"', "G.k.4.r.4"),
    Mutation("drug end month 13", '<high value="20260928"', '<high value="20261328"', "G.k.4.r.5"),
    Mutation("onset 30 February", '<low value="20261019"', '<low value="20260230"', "E.i.4"),
    Mutation("C.1.4 30 February", '<low value="20261020"', '<low value="20260230"', "C.1.4"),
]

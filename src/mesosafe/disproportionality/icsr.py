"""ICH E2B(R3) ICSR XML files → the long table, through the one E2B model (``mesosafe.e2b``).

Every file is read with ``mesosafe.e2b.read`` (a batch of messages, or one bare message); over all files,
a case is its sender's safety report id (C.1.1) and its version the date of most recent information
(C.1.5, to the second when the sender gives the time): ``e2b.latest_versions`` keeps the latest, whatever
the order of the files. A value the reader would have to guess (a drug role or outcome outside its code
list, a date not on the calendar, a causality pointing at nothing) stops the run naming the file, the
case and the element. Its products are those with a chosen role (G.k.1:
``--drug-roles`` PS or SS mean "suspect", C "concomitant", I "interacting"; E2B does not tell primary
from secondary suspects), named as reported (G.k.2.2); its events are its reactions' MedDRA codes
(E.i.2.1b, at the LLT level in E2B(R3)) or reported terms (E.i.1.1a).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from mesosafe.disproportionality import checks
from mesosafe.e2b import Case, E2BError, latest_versions, read
from mesosafe.e2b.codes import DrugRole
from mesosafe.lib.analysis_input import AnalysisInputError, control_character, control_error

ROLE_OF = {
    "PS": DrugRole.SUSPECT,
    "SS": DrugRole.SUSPECT,
    "C": DrugRole.CONCOMITANT,
    "I": DrugRole.INTERACTING,
}
PRODUCT_FIELDS = ("name",)
EVENT_FIELDS = ("meddra_code", "reported_term")
DATE_FIELDS = {"most_recent": "C.1.5", "first_received": "C.1.4"}


@dataclass
class IcsrStats:
    files: int = 0
    case_versions: int = 0
    cases: int = 0
    cases_without_products: int = 0  # no product with a chosen role

    def record(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "case_versions_read": self.case_versions,
            "cases_kept": self.cases,
            "older_versions_dropped": self.case_versions - self.cases,
            "cases_without_a_chosen_product": self.cases_without_products,
        }


@dataclass(frozen=True)
class IcsrFields:
    product: str = "name"
    event: str = "meddra_code"
    date: str | None = None
    roles: tuple[str, ...] = ("PS", "SS")
    stats: IcsrStats = field(default_factory=IcsrStats, compare=False)


def xml_files(paths: Sequence[Path]) -> list[Path]:
    """The files given, and the ``*.xml`` files under the directories given (sorted)."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise AnalysisInputError(f"input {str(path)!r} does not exist")
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".xml")
        else:
            found.append(path)
    if not found:
        raise AnalysisInputError("no E2B(R3) XML file (*.xml) in " + ", ".join(repr(str(p)) for p in paths))
    return found


def check_fields(fields: IcsrFields) -> None:
    for option, value, allowed in (
        ("--product", fields.product, PRODUCT_FIELDS),
        ("--event", fields.event, EVENT_FIELDS),
        ("--date", fields.date, (*DATE_FIELDS, None)),
    ):
        if value not in allowed:
            choices = ", ".join(a for a in allowed if a)
            raise AnalysisInputError(f"{option} {value!r} is not an E2B field; with E2B input use {choices}")


def read_cases(files: Sequence[Path]) -> list[tuple[Path, Case]]:
    cases = []
    for file in files:
        try:
            cases += [(file, case) for case in read(file.read_bytes())]
        except E2BError as exc:
            raise AnalysisInputError(f"{str(file)!r}: {exc}") from None
        except OSError as exc:
            raise AnalysisInputError(f"cannot read {str(file)!r}: {exc}") from None
    return cases


def _case(file: Path, case: Case) -> str:
    """The file and the case version, as errors name them."""
    version = case.most_recent_at or case.most_recent
    return f"{str(file)!r}, case C.1.1 {case.safety_report_id} (C.1.5 {version.isoformat()})"


def _event(file: Path, case: Case, index: int, fields: IcsrFields) -> str:
    reaction = case.reactions[index]
    value = reaction.meddra_code if fields.event == "meddra_code" else reaction.reported_term
    element = "E.i.2.1b (MedDRA code)" if fields.event == "meddra_code" else "E.i.1.1a (reported term)"
    if not value or not value.strip():
        hint = "; use --event reported_term" if fields.event == "meddra_code" else ""
        raise AnalysisInputError(f"{_case(file, case)}, reaction {index + 1}: {element} is blank{hint}")
    return _without_controls(value, f"{_case(file, case)}, reaction {index + 1}: {element}")


def _without_controls(value: str, where: str) -> str:
    """``value``, unless it holds a control character (XML 1.0 carries DEL, C1 and most noncharacters):
    refused naming ``where`` (the file, case and element), as a CSV's is named by file, row and column."""
    if control_character(value) is not None:
        raise control_error(where, value)
    return value


def _date(file: Path, case: Case, name: str | None) -> date | None:
    """The case's report date (``--date``), in the years the analysis can hold: checked here, where the
    file and case can be named, rather than in the long file's rows."""
    if name is None:
        return None
    day: date = getattr(case, name)
    problem = checks.date_problem(day)
    if problem:
        raise AnalysisInputError(
            f"{_case(file, case)}: {DATE_FIELDS[name]} (--date {name}) is {day.isoformat()}, {problem}"
        )
    return day


def _latest(read_in: list[tuple[Path, Case]]) -> list[Case]:
    try:
        return latest_versions([case for _, case in read_in])
    except E2BError as exc:
        files = sorted({str(f) for f, c in read_in if f"C.1.1 {c.safety_report_id}" == exc.where})
        raise AnalysisInputError(f"{', '.join(map(repr, files))}: {exc}") from None


def long_rows(files: Sequence[Path], fields: IcsrFields) -> pa.Table:
    """The long table (report_id, product, event[, report_date]) of the latest version of every case."""
    check_fields(fields)
    read_in = read_cases(files)
    origin = {id(case): file for file, case in read_in}
    kept = _latest(read_in)
    roles = {ROLE_OF[r] for r in fields.roles}
    stats = fields.stats
    stats.files, stats.case_versions, stats.cases = len(files), len(read_in), len(kept)
    columns: dict[str, list[Any]] = {"report_id": [], "product": [], "event": [], "report_date": []}
    for case in kept:
        file = origin[id(case)]
        _without_controls(case.safety_report_id, f"{_case(file, case)}: C.1.1 (safety report id)")
        products = [
            _without_controls(d.name, f"{_case(file, case)}, drug {i + 1}: G.k.2.2 (product name)")
            for i, d in enumerate(case.drugs)
            if d.role in roles
        ]
        if not products:
            stats.cases_without_products += 1
        events = [_event(file, case, i, fields) for i in range(len(case.reactions))]
        day = _date(file, case, fields.date)
        for product in products:
            for event in events:
                columns["report_id"].append(case.safety_report_id)
                columns["product"].append(product)
                columns["event"].append(event)
                columns["report_date"].append(day)
    if not fields.date:
        del columns["report_date"]
    if not columns["report_id"]:
        raise AnalysisInputError(
            f"no case in {len(files)} E2B file(s) has a product with role {', '.join(fields.roles)} "
            "and a reaction"
        )
    return pa.table(
        {
            name: pa.array(values, pa.date32() if name == "report_date" else pa.string())
            for name, values in columns.items()
        }
    )

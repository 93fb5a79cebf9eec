"""FDA Adverse Event Reporting System (FAERS) quarterly ASCII files → the long table.

FDA publishes each quarter as ``$``-separated text files with a header line (``DEMOyyQq.txt``,
``DRUGyyQq.txt``, ``REACyyQq.txt``, …; the layout of the FAERS ASCII files since 2014Q3). A case
(``caseid``) may be published again, in the same or a later quarter, as a new version (``caseversion``,
with a new ``primaryid``); FDA asks analysts to keep only the latest. So:

* every quarter found is read (it needs its DEMO, DRUG and REAC files);
* the cases FDA has deleted are left out: every ``DELETEyyQq.txt`` found (one ``caseid`` a line, in the
  quarterly zip's ``Deleted/`` folder) applies to every quarter read;
* per ``caseid`` the DEMO row with the highest ``caseversion`` is kept (on a tie, the highest
  ``primaryid``), and only that version's DRUG and REAC rows are used;
* DRUG rows are kept for the chosen roles (``role_cod``: PS primary suspect, SS secondary suspect,
  C concomitant, I interacting; default PS and SS);
* the report id is the ``caseid``; the product is a DRUG column (``drugname`` by default, or ``prod_ai``),
  the event a REAC column (``pt``); strata and the date are DEMO columns (a date as ``YYYYMMDD``).

Every check names the file, its line (the header is line 1) and the field. A blank ``prod_ai`` (a name FDA
did not map to an active ingredient) is not an error: the row is left out and counted.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesosafe.disproportionality import checks
from mesosafe.disproportionality.files import quote, sql_string, temporary_name
from mesosafe.lib.analysis_input import AnalysisInputError, control_error

if TYPE_CHECKING:
    import duckdb

ROLES = ("PS", "SS", "C", "I")
DEFAULT_ROLES = ("PS", "SS")
KINDS = ("DEMO", "DRUG", "REAC")
FILE_NAME = re.compile(r"(DEMO|DRUG|REAC)(\d{2})Q([1-4])\.txt", re.IGNORECASE)
DELETE_NAME = re.compile(r"DELETE(\d{2})Q([1-4])\.txt", re.IGNORECASE)
REQUIRED = {
    "DEMO": ("primaryid", "caseid", "caseversion"),
    "DRUG": ("primaryid", "caseid", "role_cod"),
    "REAC": ("primaryid", "caseid"),
}
WHOLE = r"\s*[0-9]+\s*"
YYYYMMDD = r"\s*[0-9]{8}\s*"
SKIPPED_WHEN_BLANK = ("prod_ai",)  # FDA could not map the name: counted, not an error
BOM = codecs.BOM_UTF8.decode("latin-1")  # a UTF-8 byte-order mark as read in Latin-1: 'ï»¿'


@dataclass(frozen=True)
class Quarter:
    label: str  # "23Q1"
    files: dict[str, Path]  # DEMO, DRUG, REAC


@dataclass(frozen=True)
class FaersFile:
    path: Path
    header: list[str]  # the column names, lower-cased
    encoding: str


@dataclass
class FaersStats:
    """What the reading did, for the provenance record."""

    quarters: list[str] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    case_versions: int = 0  # DEMO rows read
    cases: int = 0  # distinct caseids, each at its latest version
    drug_rows_kept: int = 0  # of the kept versions, with a chosen role
    drug_rows_without_product: int = 0  # blank prod_ai, left out
    reaction_rows_kept: int = 0
    deletion_files: list[str] = field(default_factory=list)
    deleted_cases: int = 0  # cases read that a DELETE file removes

    def record(self) -> dict[str, Any]:
        return {
            "quarters": self.quarters,
            "encodings": self.encodings,
            "case_versions_read": self.case_versions,
            "cases_kept": self.cases,
            "older_versions_dropped": self.case_versions - self.cases,
            "drug_rows_kept": self.drug_rows_kept,
            "drug_rows_without_product": self.drug_rows_without_product,
            "reaction_rows_kept": self.reaction_rows_kept,
            "deletion_files": self.deletion_files,
            "deleted_cases_dropped": self.deleted_cases,
        }


def find_quarters(paths: Sequence[Path]) -> list[Quarter]:
    """The quarters in ``paths``: directories (searched recursively) or any of a quarter's files."""
    found: dict[str, dict[str, Path]] = {}

    def add(file: Path) -> None:
        match = FILE_NAME.fullmatch(file.name)
        if not match:
            return
        label = f"{match.group(2)}Q{match.group(3)}"
        kind = match.group(1).upper()
        other = found.setdefault(label, {}).get(kind)
        if other is not None and other.resolve() != file.resolve():
            raise AnalysisInputError(
                f"FAERS quarter {label} is given twice: {str(other)!r} and {str(file)!r}"
            )
        found[label][kind] = file

    for path in paths:
        if not path.exists():
            raise AnalysisInputError(f"input {str(path)!r} does not exist")
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file():
                    add(file)
            continue
        if DELETE_NAME.fullmatch(path.name):
            continue  # a list of deleted cases (find_deletions)
        if not FILE_NAME.fullmatch(path.name):
            raise AnalysisInputError(
                f"input file {str(path)!r} is not a FAERS ASCII file "
                "(DEMOyyQq.txt, DRUGyyQq.txt, REACyyQq.txt, DELETEyyQq.txt)"
            )
        for sibling in sorted(path.parent.iterdir()):  # the quarter's other files beside it
            match = FILE_NAME.fullmatch(sibling.name)
            if match and match.group(2, 3) == FILE_NAME.fullmatch(path.name).group(2, 3):  # type: ignore[union-attr]
                add(sibling)
    if not found:
        raise AnalysisInputError(
            "no FAERS quarter found in " + ", ".join(repr(str(p)) for p in paths) + " (DEMOyyQq.txt …)"
        )
    quarters = []
    for label in sorted(found, key=lambda q: (int(q[:2]), q[3])):
        missing = [kind for kind in KINDS if kind not in found[label]]
        if missing:
            raise AnalysisInputError(
                f"FAERS quarter {label} has no {missing[0]}{label}.txt beside "
                f"{str(next(iter(found[label].values())))!r}"
            )
        quarters.append(Quarter(label, found[label]))
    return quarters


def find_deletions(paths: Sequence[Path]) -> list[Path]:
    """The lists of deleted cases in ``paths``: DELETEyyQq.txt files given, or found below directories."""
    found: list[Path] = []
    for path in paths:
        below = sorted(path.rglob("*")) if path.is_dir() else [path]
        found += [file for file in below if file.is_file() and DELETE_NAME.fullmatch(file.name)]
    return list(dict.fromkeys(found))


def deleted_sql(files: Sequence[Path]) -> str:
    """The SELECT of the deleted caseids, after checking each line is one (a ``caseid`` header may lead)."""
    for file in files:
        with open(file, encoding="latin-1", newline="") as handle:
            for number, line in enumerate(handle, start=1):
                value = (line.removeprefix(BOM) if number == 1 else line).strip()
                header = number == 1 and value.lower() == "caseid"
                if value and not header and not re.fullmatch(WHOLE, value):
                    raise AnalysisInputError(
                        f"{str(file)!r} line {number}: {value[:40]!r} is not a caseid (a whole number)"
                    )
    if not files:
        return "SELECT NULL::BIGINT AS caseid WHERE false"
    listed = "[" + ", ".join(sql_string(str(f)) for f in files) + "]"
    lines = (
        f"read_csv({listed}, delim = '\x1f', quote = '', escape = '', header = false, auto_detect = false, "
        "encoding = 'latin-1', columns = {'value': 'VARCHAR'})"
    )
    # only line 1 can still start with a BOM here: one anywhere else is not a caseid (refused above)
    value = f"TRIM(regexp_replace(value, {sql_string('^' + BOM)}, ''))"
    return f"SELECT DISTINCT TRY_CAST({value} AS BIGINT) AS caseid FROM {lines} WHERE {value} <> ''"


def read_header(path: Path) -> list[str]:
    """The header's column names, lower-cased; a UTF-8 byte-order mark at the start of the file (a file
    re-saved on Windows) is skipped. DuckDB reads the data lines only, so the mark goes no further."""
    with open(path, "rb") as handle:
        first = handle.readline().removeprefix(codecs.BOM_UTF8).decode("latin-1").rstrip("\r\n")
    if not first.strip():
        raise AnalysisInputError(f"{str(path)!r} has no header line")
    return [name.strip().lower() or f"column{i}" for i, name in enumerate(first.split("$"))]


def _read_sql(path: Path, header: list[str], encoding: str) -> str:
    columns = "{" + ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in header) + "}"
    return (
        f"read_csv({sql_string(str(path))}, delim = '$', quote = '', escape = '', header = true, "
        f"auto_detect = false, encoding = {sql_string(encoding)}, columns = {columns})"
    )


def load(
    con: duckdb.DuckDBPyConnection, path: Path, kind: str, needed: Sequence[str]
) -> tuple[str, FaersFile]:
    """One file into a temporary table, every column as text (UTF-8, or Latin-1 when it is not UTF-8)."""
    import duckdb

    header = read_header(path)
    for name in dict.fromkeys([*REQUIRED[kind], *needed]):
        if name not in header:
            raise AnalysisInputError(
                f"{str(path)!r} has no column {name!r}; its header has: {', '.join(header)} "
                f"(expected the FAERS {kind} layout)"
            )
    table = temporary_name(f"faers_{kind.lower()}")
    for encoding in ("utf-8", "latin-1"):
        try:
            con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM {_read_sql(path, header, encoding)}")
            _check_separators(con, FaersFile(path, header, encoding))
            return table, FaersFile(path, header, encoding)
        except duckdb.Error as exc:
            text = str(exc)
            if encoding == "utf-8" and "unicode" in text.lower():
                continue
            line = re.search(r"CSV Error on Line: (\d+)", text)
            ragged = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
            where = f"line {line.group(1)}" if line else "a line"
            if ragged:
                raise AnalysisInputError(
                    f"{str(path)!r} {where} has {ragged.group(2)} fields separated by '$', the header "
                    f"{ragged.group(1)}"
                ) from None
            raise AnalysisInputError(f"cannot read {str(path)!r} ({where}): {text.splitlines()[0]}") from None
    raise AssertionError("unreachable")


def _check_separators(con: duckdb.DuckDBPyConnection, file: FaersFile) -> None:
    """Every line has the header's number of fields (DuckDB drops one empty field after a last '$')."""
    lines = (
        f"read_csv({sql_string(str(file.path))}, delim = '\x1f', quote = '', escape = '', header = true, "
        f"auto_detect = false, encoding = {sql_string(file.encoding)}, columns = {{'line': 'VARCHAR'}})"
    )
    separators = "LENGTH(line) - LENGTH(REPLACE(line, '$', ''))"
    expected = len(file.header) - 1
    if con.sql(f"SELECT 1 FROM {lines} WHERE {separators} <> {expected} LIMIT 1").fetchall():
        with open(file.path, encoding=file.encoding, newline="") as handle:
            next(handle, None)
            for number, line in enumerate(handle, start=2):
                found = line.rstrip("\r\n").count("$")
                if found != expected and line.strip():
                    raise AnalysisInputError(
                        f"{str(file.path)!r} line {number} has {found + 1} fields separated by '$', the "
                        f"header {expected + 1}"
                    )


def _lines(file: FaersFile) -> Iterator[tuple[int, dict[str, str]]]:
    with open(file.path, encoding=file.encoding, newline="") as handle:
        next(handle, None)
        for number, line in enumerate(handle, start=2):
            values = line.rstrip("\r\n").split("$")
            yield number, dict(zip(file.header, values, strict=False))


def first_line(file: FaersFile, test: Callable[[dict[str, str]], bool]) -> tuple[int, dict[str, str]]:
    """The first data line (the header is line 1) passing ``test``."""
    for number, row in _lines(file):
        if test(row):
            return number, row
    raise AnalysisInputError(f"{str(file.path)!r} has a bad value (line not found)")


def _check_whole(con: duckdb.DuckDBPyConnection, table: str, file: FaersFile, name: str) -> None:
    bad = f"{quote(name)} IS NULL OR NOT regexp_full_match({quote(name)}, {sql_string(WHOLE)})"
    if con.sql(f"SELECT 1 FROM {table} WHERE {bad} LIMIT 1").fetchall():
        line, row = first_line(file, lambda r: not re.fullmatch(WHOLE, r.get(name) or ""))
        raise AnalysisInputError(
            f"{str(file.path)!r} line {line}, field {name!r}: {row.get(name, '')!r} is not a whole number"
        )


def _holds_control(name: str, row: dict[str, str]) -> bool:
    return checks.has_control(row.get(name))


def _check_controls(
    con: duckdb.DuckDBPyConnection, table: str, file: FaersFile, names: Sequence[str]
) -> None:
    """No value the run reads holds a control character (``checks.CONTROL_CLASS``), as in a CSV."""
    for name in dict.fromkeys(names):
        bad = f"regexp_matches({quote(name)}, {sql_string(checks.CONTROL_CLASS)})"
        if con.sql(f"SELECT 1 FROM {table} WHERE {bad} LIMIT 1").fetchall():
            line, row = first_line(file, partial(_holds_control, name))
            read_as = " (the file is not UTF-8: it was read as Latin-1)" if file.encoding == "latin-1" else ""
            raise control_error(f"{str(file.path)!r} line {line}, field {name!r}", row.get(name), read_as)


@dataclass(frozen=True)
class FaersFields:
    """Which columns become the long table's: the DRUG product, the REAC event, DEMO strata and date."""

    product: str = "drugname"
    event: str = "pt"
    strata: tuple[str, ...] = ()
    date: str | None = None
    roles: tuple[str, ...] = DEFAULT_ROLES


def check_roles(roles: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(r.strip().upper() for r in roles if r.strip()))
    bad = [r for r in chosen if r not in ROLES]
    if bad or not chosen:
        raise AnalysisInputError(
            f"--drug-roles: {bad[0] if bad else '(none)'!r} is not a FAERS role_cod; use some of "
            f"{', '.join(ROLES)} (PS primary suspect, SS secondary suspect, C concomitant, I interacting)"
        )
    return chosen


def _union(tables: Sequence[str], columns: Sequence[str]) -> str:
    projected = ", ".join(quote(c) for c in columns)
    return " UNION ALL ".join(f"SELECT {projected}, {i} AS part FROM {t}" for i, t in enumerate(tables))


def _same(alias: str) -> str:
    """The join of a DRUG or REAC row to its case version in DEMO."""
    return f"CAST({alias}.primaryid AS BIGINT) = CAST(k.primaryid AS BIGINT)"


def _line_of(file: FaersFile, primaryid: str, blank: str | None = None) -> int:
    """The line of ``primaryid`` in ``file`` (with field ``blank`` blank, if given)."""
    line, _ = first_line(
        file,
        lambda r: (
            (r.get("primaryid") or "").strip() == primaryid
            and (blank is None or not (r.get(blank) or "").strip())
        ),
    )
    return line


def _blank(name: str, alias: str = "") -> str:
    column = f"{alias}.{quote(name)}" if alias else quote(name)
    return f"({column} IS NULL OR TRIM({column}) = '')"


def long_sql(
    con: duckdb.DuckDBPyConnection,
    quarters: Sequence[Quarter],
    fields: FaersFields,
    stats: FaersStats,
    deletions: Sequence[Path] = (),
) -> str:
    """Load and check every quarter; returns the SELECT of the long table (report_id, product, event,
    the strata by their DEMO names, and report_date when asked), without the cases ``deletions`` list."""
    demo_cols = [
        "primaryid",
        "caseid",
        "caseversion",
        *fields.strata,
        *([fields.date] if fields.date else []),
    ]
    loaded: dict[str, list[tuple[str, FaersFile]]] = {kind: [] for kind in KINDS}
    needed = {"DEMO": demo_cols, "DRUG": ["drug_seq", fields.product], "REAC": [fields.event]}
    for quarter in quarters:
        for kind in KINDS:
            table, file = load(con, quarter.files[kind], kind, needed[kind])
            loaded[kind].append((table, file))
            stats.encodings[file.path.name] = file.encoding
            for name in ("primaryid", "caseid") + (("caseversion",) if kind == "DEMO" else ()):
                _check_whole(con, table, file, name)
            _check_controls(con, table, file, needed[kind])
        stats.quarters.append(quarter.label)
    for table, file in loaded["DRUG"]:
        roles = ", ".join(sql_string(r) for r in ROLES)
        if con.sql(
            f"SELECT 1 FROM {table} WHERE TRIM(COALESCE(role_cod, '')) NOT IN ({roles}) LIMIT 1"
        ).fetchall():
            line, row = first_line(file, lambda r: (r.get("role_cod") or "").strip() not in ROLES)
            raise AnalysisInputError(
                f"{str(file.path)!r} line {line}, field 'role_cod': {row.get('role_cod', '')!r} is not "
                f"one of {', '.join(ROLES)}"
            )
    demo = _union([t for t, _ in loaded["DEMO"]], demo_cols)
    kept = temporary_name("faers_kept")
    con.execute(
        f"CREATE TEMP TABLE {kept} AS SELECT * FROM ("
        f"SELECT *, ROW_NUMBER() OVER (PARTITION BY CAST(caseid AS BIGINT) ORDER BY "
        f"CAST(caseversion AS BIGINT) DESC, CAST(primaryid AS BIGINT) DESC) AS rank FROM ({demo})"
        ") WHERE rank = 1"
    )
    stats.case_versions = int(con.sql(f"SELECT COUNT(*) FROM ({demo})").fetchall()[0][0])
    _drop_deleted(con, kept, deletions, stats)
    stats.cases = int(con.sql(f"SELECT COUNT(*) FROM {kept}").fetchall()[0][0])
    _check_demo_values(con, kept, loaded["DEMO"], fields)
    roles = ", ".join(sql_string(r) for r in fields.roles)
    drug = _union([t for t, _ in loaded["DRUG"]], ["primaryid", "role_cod", fields.product])
    reac = _union([t for t, _ in loaded["REAC"]], ["primaryid", fields.event])
    drugs = f"SELECT d.* FROM ({drug}) d JOIN {kept} k ON {_same('d')} WHERE TRIM(d.role_cod) IN ({roles})"
    reactions = f"SELECT r.* FROM ({reac}) r JOIN {kept} k ON {_same('r')}"
    drug_table, reac_table = temporary_name("faers_drugs"), temporary_name("faers_reactions")
    con.execute(f"CREATE TEMP TABLE {drug_table} AS {drugs}")
    con.execute(f"CREATE TEMP TABLE {reac_table} AS {reactions}")
    _check_blank(con, drug_table, loaded["DRUG"], fields.product, stats)
    _check_blank(con, reac_table, loaded["REAC"], fields.event, stats)
    stats.drug_rows_kept = int(
        con.sql(f"SELECT COUNT(*) FROM {drug_table} WHERE NOT {_blank(fields.product)}").fetchall()[0][0]
    )
    stats.reaction_rows_kept = int(con.sql(f"SELECT COUNT(*) FROM {reac_table}").fetchall()[0][0])
    extra = [f"TRIM(k.{quote(s)}) AS {quote(s)}" for s in fields.strata]
    if fields.date:
        extra.append(f"CAST(strptime(TRIM(k.{quote(fields.date)}), '%Y%m%d') AS DATE) AS report_date")
    return (
        "SELECT CAST(k.caseid AS BIGINT) AS report_id, "
        f"d.{quote(fields.product)} AS product, r.{quote(fields.event)} AS event"
        + "".join(f", {e}" for e in extra)
        + f" FROM {kept} k JOIN {drug_table} d ON {_same('d')} "
        f"JOIN {reac_table} r ON {_same('r')} "
        f"WHERE NOT {_blank(fields.product, 'd')}"
    )


def _drop_deleted(
    con: duckdb.DuckDBPyConnection, kept: str, deletions: Sequence[Path], stats: FaersStats
) -> None:
    stats.deletion_files = [file.name for file in deletions]
    gone = f"CAST(caseid AS BIGINT) IN ({deleted_sql(deletions)})"
    stats.deleted_cases = int(con.sql(f"SELECT COUNT(*) FROM {kept} WHERE {gone}").fetchall()[0][0])
    con.execute(f"DELETE FROM {kept} WHERE {gone}")


def _check_demo_values(
    con: duckdb.DuckDBPyConnection, kept: str, files: list[tuple[str, FaersFile]], fields: FaersFields
) -> None:
    """The kept versions' strata are not blank, and their date is a date."""
    for name in fields.strata:
        found = con.sql(f"SELECT part, primaryid FROM {kept} WHERE {_blank(name)} LIMIT 1").fetchall()
        if found:
            file = files[found[0][0]][1]
            primaryid = found[0][1].strip()
            line = _line_of(file, primaryid)
            raise AnalysisInputError(
                f"{str(file.path)!r} line {line}, field {name!r} (--strata) is blank (primaryid {primaryid})"
            )
    if fields.date:
        name = fields.date
        day = f"try_strptime(TRIM({quote(name)}), '%Y%m%d')"
        bad = (
            f"{quote(name)} IS NULL OR NOT regexp_full_match({quote(name)}, {sql_string(YYYYMMDD)}) "
            f"OR {day} IS NULL OR NOT {checks.year_in_range(day)}"
        )
        found = con.sql(f"SELECT part, primaryid, {quote(name)} FROM {kept} WHERE {bad} LIMIT 1").fetchall()
        if found:
            file = files[found[0][0]][1]
            primaryid = found[0][1].strip()
            line = _line_of(file, primaryid)
            raise AnalysisInputError(
                f"{str(file.path)!r} line {line}, field {name!r} (--date): {found[0][2] or ''!r} is not a "
                f"date (YYYYMMDD) in the years {checks.EARLIEST_YEAR}–{checks.LATEST_YEAR}"
            )


def _check_blank(
    con: duckdb.DuckDBPyConnection,
    table: str,
    files: list[tuple[str, FaersFile]],
    name: str,
    stats: FaersStats,
) -> None:
    """No blank product or event in the rows used (a blank prod_ai is counted and left out)."""
    if name in SKIPPED_WHEN_BLANK:
        stats.drug_rows_without_product = int(
            con.sql(f"SELECT COUNT(*) FROM {table} WHERE {_blank(name)}").fetchall()[0][0]
        )
        return
    found = con.sql(f"SELECT part, primaryid FROM {table} WHERE {_blank(name)} LIMIT 1").fetchall()
    if found:
        file = files[found[0][0]][1]
        primaryid = found[0][1].strip()
        line = _line_of(file, primaryid, blank=name)
        raise AnalysisInputError(
            f"{str(file.path)!r} line {line}, field {name!r} is blank (primaryid {primaryid})"
        )

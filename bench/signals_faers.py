"""The generated long table (signals_generate.py) written again as FAERS quarterly ASCII files.

    .venv/bin/python bench/signals_faers.py bench/out/reports_2m.parquet --out bench/out/faers_2m

Two quarters (24Q1: reports of the first half, 24Q2: the rest), in FDA's column layout, plus what the
FAERS reader must undo: every tenth case has an older version in 24Q1 naming an event no latest version
has (``E_OLD``), and every fifth case a concomitant drug (``P_CONCOMITANT``). So
``signals_run.py DIR --input-format faers`` must give the same pairs as the Parquet.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

DEMO = [
    "primaryid",
    "caseid",
    "caseversion",
    "i_f_code",
    "event_dt",
    "mfr_dt",
    "init_fda_dt",
    "fda_dt",
    "rept_cod",
    "auth_num",
    "mfr_num",
    "mfr_sndr",
    "lit_ref",
    "age",
    "age_cod",
    "age_grp",
    "sex",
    "e_sub",
    "wt",
    "wt_cod",
    "rept_dt",
    "to_mfr",
    "occp_cod",
    "reporter_country",
    "occr_country",
]
DRUG = [
    "primaryid",
    "caseid",
    "drug_seq",
    "role_cod",
    "drugname",
    "prod_ai",
    "val_vbm",
    "route",
    "dose_vbm",
    "cum_dose_chr",
    "cum_dose_unit",
    "dechal",
    "rechal",
    "lot_num",
    "exp_dt",
    "nda_num",
    "dose_amt",
    "dose_unit",
    "dose_form",
    "dose_freq",
]
REAC = ["primaryid", "caseid", "pt", "drug_rec_act"]


def select(layout: list[str], given: dict[str, str], source: str) -> str:
    cells = [f"CAST({given[c]} AS VARCHAR) AS {c}" if c in given else f"NULL::VARCHAR AS {c}" for c in layout]
    return f"SELECT {', '.join(cells)} FROM {source}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("input", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE VIEW long AS SELECT * FROM read_parquet('{args.input}')")
    half = con.sql("SELECT MAX(report_id) // 2 FROM long").fetchall()[0][0]
    con.execute(
        "CREATE TABLE cases AS SELECT report_id, report_id + 1 AS caseid, "
        "CASE WHEN report_id % 10 = 0 THEN 2 ELSE 1 END AS version, "
        f"CASE WHEN report_id < {half} THEN '24Q1' ELSE '24Q2' END AS quarter "
        "FROM (SELECT DISTINCT report_id FROM long)"
    )
    con.execute(
        "CREATE TABLE versions AS SELECT caseid * 10 + version AS primaryid, caseid, version, quarter, "
        "report_id, false AS old FROM cases UNION ALL "
        "SELECT caseid * 10 + 1, caseid, 1, '24Q1', report_id, true FROM cases WHERE version = 2"
    )
    con.execute(
        "CREATE TABLE drugs AS SELECT v.primaryid, v.caseid, v.quarter, p.product, "
        "ROW_NUMBER() OVER (PARTITION BY v.primaryid ORDER BY p.product) AS seq FROM versions v "
        "JOIN (SELECT DISTINCT report_id, CAST(product AS VARCHAR) AS product FROM long) p USING (report_id)"
    )
    con.execute(
        "CREATE TABLE reactions AS SELECT v.primaryid, v.caseid, v.quarter, e.event FROM versions v "
        "JOIN (SELECT DISTINCT report_id, CAST(event AS VARCHAR) AS event FROM long) e USING (report_id) "
        "WHERE NOT v.old UNION ALL SELECT primaryid, caseid, quarter, 'E_OLD' FROM versions WHERE old"
    )
    for quarter in ("24Q1", "24Q2"):
        demo = select(
            DEMO,
            {"primaryid": "primaryid", "caseid": "caseid", "caseversion": "version", "fda_dt": "'20240115'",
             "init_fda_dt": "'20240115'", "i_f_code": "'I'", "rept_cod": "'EXP'"},
            f"versions WHERE quarter = '{quarter}'",
        )  # fmt: skip
        drug = select(
            DRUG,
            {"primaryid": "primaryid", "caseid": "caseid", "drug_seq": "seq", "drugname": "product",
             "role_cod": "CASE WHEN seq = 1 THEN 'PS' ELSE 'SS' END", "prod_ai": "product"},
            f"(SELECT primaryid, caseid, seq, product FROM drugs WHERE quarter = '{quarter}' UNION ALL "
            f"SELECT primaryid, caseid, 99, 'P_CONCOMITANT' FROM versions WHERE quarter = '{quarter}' "
            "AND caseid % 5 = 0)",
        )  # fmt: skip
        roles = "CASE WHEN seq = 1 THEN 'PS' WHEN seq = 99 THEN 'C' ELSE 'SS' END"
        drug = drug.replace("CASE WHEN seq = 1 THEN 'PS' ELSE 'SS' END", roles)
        reac = select(
            REAC, {"primaryid": "primaryid", "caseid": "caseid", "pt": "event"},
            f"reactions WHERE quarter = '{quarter}'",
        )  # fmt: skip
        for kind, sql in (("DEMO", demo), ("DRUG", drug), ("REAC", reac)):
            target = args.out / f"{kind}{quarter}.txt"
            con.execute(f"COPY ({sql}) TO '{target}' (FORMAT csv, DELIMITER '$', HEADER true, QUOTE '')")
    print(f"FAERS files for {args.input} -> {args.out} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()

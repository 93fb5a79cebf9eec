"""Seeded synthetic report data with planted product–event signals (benchmarks, tests, demos).

Products and events are Zipf-distributed; each report names one or more products and several events, and
every (product, event) combination inside a report becomes one long row. A few hundred planted pairs get
extra co-occurrences, and are returned as ground truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ReportSpec:
    reports: int
    products: int
    events: int
    planted: int = 300
    zipf_s: float = 1.1
    mean_extra_products: float = 0.5
    mean_extra_events: float = 2.2
    seed: int = 2007

    @classmethod
    def sized(cls, reports: int, planted: int = 300, seed: int = 2007) -> ReportSpec:
        """Dictionary sizes that grow with the number of reports (about 1.5M pairs at 2M reports)."""
        products = max(50, int(10_000 * (reports / 2_000_000) ** 0.5))
        events = max(30, int(4_000 * (reports / 2_000_000) ** 0.5))
        return cls(reports=reports, products=products, events=events, planted=planted, seed=seed)


@dataclass(frozen=True)
class PlantedSignal:
    product: int
    event: int
    probability: float


def product_name(code: IntArray | int) -> npt.NDArray[np.str_]:
    return np.char.add("P", np.char.zfill(np.asarray(code).astype(str), 5))


def event_name(code: IntArray | int) -> npt.NDArray[np.str_]:
    return np.char.add("E", np.char.zfill(np.asarray(code).astype(str), 4))


def _zipf_sampler(size: int, s: float) -> npt.NDArray[np.float64]:
    weights = 1.0 / np.arange(1, size + 1, dtype=np.float64) ** s
    cdf: npt.NDArray[np.float64] = np.cumsum(weights)
    cdf /= cdf[-1]
    return cdf


def _draw(rng: np.random.Generator, cdf: npt.NDArray[np.float64], count: int) -> IntArray:
    return np.searchsorted(cdf, rng.random(count), side="right").astype(np.int64)


def choose_planted(spec: ReportSpec) -> list[PlantedSignal]:
    """Planted pairs use mid-frequency products (rank 2–20% of the dictionary) and any event."""
    rng = np.random.default_rng(spec.seed + 1)
    low, high = max(1, spec.products // 50), max(2, spec.products // 5)
    products = rng.choice(np.arange(low, high), size=min(spec.planted, high - low), replace=False)
    events = rng.integers(0, spec.events, size=len(products))
    probs = rng.uniform(0.05, 0.25, size=len(products))
    return [PlantedSignal(int(p), int(e), float(q)) for p, e, q in zip(products, events, probs, strict=True)]


def _cross_rows(
    report_of_product: IntArray, products: IntArray, report_of_event: IntArray, events: IntArray, reports: int
) -> tuple[IntArray, IntArray, IntArray]:
    """All (product, event) combinations within each report; inputs are sorted by report."""
    n_events = np.bincount(report_of_event, minlength=reports)
    event_start = np.concatenate(([0], np.cumsum(n_events)[:-1]))
    reps = n_events[report_of_product]
    prod_idx = np.repeat(np.arange(len(products)), reps)
    row_start = np.concatenate(([0], np.cumsum(reps)[:-1]))
    offset = np.arange(len(prod_idx)) - np.repeat(row_start, reps)
    event_idx = event_start[report_of_product[prod_idx]] + offset
    return report_of_product[prod_idx], products[prod_idx], events[event_idx]


def generate_chunk(
    spec: ReportSpec, first_report: int, reports: int, planted: list[PlantedSignal], chunk_seed: int
) -> pa.Table:
    rng = np.random.default_rng([spec.seed, chunk_seed])
    pcdf, ecdf = _zipf_sampler(spec.products, spec.zipf_s), _zipf_sampler(spec.events, spec.zipf_s)
    kp = 1 + rng.poisson(spec.mean_extra_products, reports)
    ke = 1 + rng.poisson(spec.mean_extra_events, reports)
    rep_p = np.repeat(np.arange(reports), kp)
    prods = _draw(rng, pcdf, len(rep_p))
    rep_e = np.repeat(np.arange(reports), ke)
    evts = _draw(rng, ecdf, len(rep_e))
    # planted signals: a report naming a planted product gets its event with the planted probability
    plant_event = np.full(spec.products, -1, dtype=np.int64)
    plant_prob = np.zeros(spec.products)
    for sig in planted:
        plant_event[sig.product], plant_prob[sig.product] = sig.event, sig.probability
    hit = (plant_event[prods] >= 0) & (rng.random(len(prods)) < plant_prob[prods])
    rep_e = np.concatenate((rep_e, rep_p[hit]))
    evts = np.concatenate((evts, plant_event[prods[hit]]))
    order = np.argsort(rep_e, kind="stable")
    rep_e, evts = rep_e[order], evts[order]
    rep, prod, evt = _cross_rows(rep_p, prods, rep_e, evts, reports)
    sex = rng.integers(0, 2, reports)[rep]
    return pa.table(
        {
            "report_id": pa.array(rep + first_report, pa.int64()),
            "product": pa.DictionaryArray.from_arrays(
                pa.array(prod, pa.int32()), pa.array(product_name(np.arange(spec.products)))
            ),
            "event": pa.DictionaryArray.from_arrays(
                pa.array(evt, pa.int32()), pa.array(event_name(np.arange(spec.events)))
            ),
            "sex": pa.DictionaryArray.from_arrays(pa.array(sex, pa.int32()), pa.array(["F", "M"])),
        }
    )


def generate_reports(spec: ReportSpec, chunk_reports: int = 1_000_000) -> Iterator[pa.Table]:
    """Yield the long table in chunks of reports (memory stays bounded for 100M-row data sets)."""
    planted = choose_planted(spec)
    for index, start in enumerate(range(0, spec.reports, chunk_reports)):
        yield generate_chunk(spec, start, min(chunk_reports, spec.reports - start), planted, index)


def planted_table(spec: ReportSpec) -> pa.Table:
    planted = choose_planted(spec)
    return pa.table(
        {
            "product": product_name(np.array([s.product for s in planted])),
            "event": event_name(np.array([s.event for s in planted])),
            "probability": [s.probability for s in planted],
        }
    )


# --- a synthetic treatment registry with a planted outbreak (demo data and cluster tests) ---------------


@dataclass(frozen=True)
class OutbreakSpec:
    """One salon, one therapist, one multi-dose vial: the 2007 Spanish outbreak had 39 of 138 clients."""

    clinic: str = "C07"
    practitioner: str = "C07-P1"
    product: str = "phosphatidylcholine"
    batch: str = "LIPO-VIAL-0713"
    start_day: int = 420
    days: int = 90
    treatments: int = 138
    infections: int = 39

    @property
    def batch_unit(self) -> str:
        """The batch as the registry keys it ("product / lot")."""
        from mesosafe.signals.registry import batch_key

        return batch_key(self.product, self.batch)


@dataclass(frozen=True)
class RegistrySpec:
    clinics: int = 40
    practitioners_per_clinic: int = 3
    days: int = 730
    mean_daily_treatments: float = 2.0  # per clinic
    complication_rate: float = 0.04
    infection_rate: float = 0.0015  # suspected infections per treatment at baseline
    multi_dose_share: float = 0.25
    batch_days: int = 91  # a new batch of each product is opened this often
    shared_batches: bool = False  # False: each clinic has its own batches; True: one lot for all clinics
    products: int = 6  # how many of PRODUCTS are used
    # onset of an infection, days after the session: Gamma(shape, scale) kept within [min, max]
    # (atypical mycobacteria: 1–12 weeks, mean about 3 weeks); other complications begin within a week
    infection_onset_shape: float = 3.0
    infection_onset_scale_days: float = 7.0
    infection_onset_min_days: int = 7
    infection_onset_max_days: int = 84
    other_onset_max_days: int = 7
    start: str = "2023-01-01"
    seed: int = 2007


PRODUCTS = (
    "phosphatidylcholine",
    "hyaluronic-acid",
    "vitamin-cocktail",
    "collagenase",
    "procaine",
    "peptides",
)


def _onset(
    rng: np.random.Generator, spec: RegistrySpec, dates: pd.Series, infected: npt.NDArray[np.bool_]
) -> pd.Series:
    infection_delay = np.clip(
        rng.gamma(spec.infection_onset_shape, spec.infection_onset_scale_days, len(dates)),
        spec.infection_onset_min_days,
        spec.infection_onset_max_days,
    )
    other_delay = rng.integers(0, spec.other_onset_max_days + 1, len(dates))
    days = np.where(infected, infection_delay, other_delay).astype(np.int64)
    return dates + pd.to_timedelta(days, unit="D")


def _background(rng: np.random.Generator, spec: RegistrySpec) -> pd.DataFrame:
    clinic_volume = rng.gamma(4.0, spec.mean_daily_treatments / 4.0, spec.clinics)
    per_clinic = rng.poisson(clinic_volume * spec.days)
    clinic_idx = np.repeat(np.arange(spec.clinics), per_clinic)
    total = len(clinic_idx)
    day = rng.integers(0, spec.days, total)
    product_idx = rng.integers(0, min(spec.products, len(PRODUCTS)), total)
    batch_period = day // spec.batch_days  # a new batch of each product every batch_days
    owner = ["N" if spec.shared_batches else f"{c:02d}" for c in clinic_idx]
    batch = [
        f"{PRODUCTS[p][:4].upper()}-{o}{q}" for p, o, q in zip(product_idx, owner, batch_period, strict=True)
    ]
    return pd.DataFrame(
        {
            "clinic": [f"C{c:02d}" for c in clinic_idx],
            "practitioner": [
                f"C{c:02d}-P{p + 1}"
                for c, p in zip(
                    clinic_idx, rng.integers(0, spec.practitioners_per_clinic, total), strict=True
                )
            ],
            "product": [PRODUCTS[p] for p in product_idx],
            "batch": batch,
            "day": day,
        }
    )


def demo_registry(
    seed: int = 2007, spec: RegistrySpec | None = None, outbreak: OutbreakSpec | None = None
) -> Any:
    """A seeded synthetic registry (RegistryTables) with one planted outbreak (``outbreak=None``: the
    2007-like default; pass ``OutbreakSpec(treatments=0)`` for none)."""
    from mesosafe.signals.errors import SignalsInputError
    from mesosafe.signals.registry import RegistryTables, check_registry

    spec = spec or RegistrySpec(seed=seed)
    if spec.seed < 0:
        raise SignalsInputError(f"seed (--seed) must be a whole number ≥ 0, not {spec.seed}")
    outbreak = outbreak or OutbreakSpec()
    rng = np.random.default_rng(spec.seed)
    frame = _background(rng, spec)
    vial_batches = {b for b in frame["batch"].unique() if rng.random() < spec.multi_dose_share}
    frame["multi_dose_vial"] = frame["batch"].isin(vial_batches)
    frame["infected"] = rng.random(len(frame)) < spec.infection_rate
    planted = pd.DataFrame(
        {
            "clinic": outbreak.clinic,
            "practitioner": outbreak.practitioner,
            "product": outbreak.product,
            "batch": outbreak.batch,
            "day": outbreak.start_day + rng.integers(0, outbreak.days, outbreak.treatments),
            "multi_dose_vial": True,
            "infected": np.arange(outbreak.treatments) < outbreak.infections,
        }
    )
    frame = pd.concat([frame, planted], ignore_index=True)
    frame["complicated"] = frame["infected"] | (rng.random(len(frame)) < spec.complication_rate)
    frame["date"] = pd.Timestamp(spec.start) + pd.to_timedelta(frame["day"], unit="D")
    frame["treatment_id"] = [f"T{i:07d}" for i in range(len(frame))]
    treatments = frame[
        ["treatment_id", "date", "clinic", "practitioner", "product", "batch", "multi_dose_vial"]
    ]
    hit = frame[frame["complicated"]]
    complications = pd.DataFrame(
        {
            "treatment_id": hit["treatment_id"].to_numpy(),
            "onset_date": _onset(rng, spec, hit["date"].reset_index(drop=True), hit["infected"].to_numpy()),
            "suspected_infection": hit["infected"].to_numpy(),
        }
    )
    tables: RegistryTables = check_registry(treatments, complications)
    return tables

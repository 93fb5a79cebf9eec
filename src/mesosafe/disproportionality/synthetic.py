"""Seeded synthetic report data with planted product–event signals (benchmarks, tests, demos).

Products and events are Zipf-distributed; each report names one or more products and several events, and
every (product, event) combination inside a report becomes one long row. A few hundred planted pairs get
extra co-occurrences, and are returned as ground truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
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

"""A seeded synthetic treatment registry with a planted outbreak (the demo data and the cluster tests).

Clinics with Gamma-distributed volumes treat patients with a few products whose batches (lots) change every
``batch_days``; a share of the batches are multi-dose vials. Suspected infections begin 1–12 weeks after the
session, other complications within a week. One outbreak (a salon, a practitioner, a vial) is planted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from mesosafe.clinic_safety.tables import TreatmentTables, batch_key, check_tables
from mesosafe.lib.analysis_input import AnalysisInputError


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
        return batch_key(self.product, self.batch)


@dataclass(frozen=True)
class DemoSpec:
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
    rng: np.random.Generator, spec: DemoSpec, dates: pd.Series, infected: npt.NDArray[np.bool_]
) -> pd.Series:
    infection_delay = np.clip(
        rng.gamma(spec.infection_onset_shape, spec.infection_onset_scale_days, len(dates)),
        spec.infection_onset_min_days,
        spec.infection_onset_max_days,
    )
    other_delay = rng.integers(0, spec.other_onset_max_days + 1, len(dates))
    days = np.where(infected, infection_delay, other_delay).astype(np.int64)
    return dates + pd.to_timedelta(days, unit="D")


def _background(rng: np.random.Generator, spec: DemoSpec) -> pd.DataFrame:
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


def demo_tables(
    seed: int = 2007, spec: DemoSpec | None = None, outbreak: OutbreakSpec | None = None
) -> TreatmentTables:
    """A seeded synthetic registry with one planted outbreak (``outbreak=None``: the 2007-like default;
    pass ``OutbreakSpec(treatments=0)`` for none)."""

    spec = spec or DemoSpec(seed=seed)
    if spec.seed < 0:
        raise AnalysisInputError(f"seed (--seed) must be a whole number ≥ 0, not {spec.seed}")
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
    return check_tables(treatments, complications)

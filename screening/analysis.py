"""From a landmark series to holds, quality and a per-frame time series (no model, no I/O).

This is everything after pose estimation, so a saved ``landmarks.npz`` can be analysed
again without the model (``LandmarkSeries.load_npz``). Whether the recording and each hold
can be measured at all is screening.checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .checks import KEY_POINTS, check_recording, hold_problems
from .config import Config, DecisionConfig
from .decision import Decision, decide
from .errors import RecordingError
from .estimators import DropEstimator, get_estimator, uncertainty_deg
from .geometry import hip_obliquity_deg
from .jsondoc import rounded
from .landmarks import LEFT_HIP, RIGHT_HIP, LandmarkSeries
from .markers import MarkerSeries
from .markers.drop import marker_drop_deg, marker_evidence, marker_sides_agree
from .metrics import HoldMetrics, summarise_hold, trunk_lean_deg
from .phases import Hold, detect_holds, lift_signals, steady_slice
from .results import (
    Classification,
    DropStats,
    Evidence,
    HoldResult,
    MissedHold,
    Problem,
    Side,
    SideResult,
    missed_holds,
)
from .signal import clean_series, fix_side_swaps
from .timeseries import TimeSeries

# The webcam protocol (screening.live) and the recording instructions of uploads and
# batches (content/howto.md) both ask for a hold on each leg.
STANCE_SIDES_ASKED = (Side.LEFT, Side.RIGHT)


@dataclass(frozen=True)
class HoldMeasurement:
    """One detected single-leg hold, measured and decided (frame indices and full-precision
    numbers; :meth:`result` is what result.json keeps of it)."""

    hold: Hold
    hold_start_s: float
    hold_end_s: float
    metrics: HoldMetrics
    decision: Decision
    problems: list[Problem]
    steady_start_s: float  # the steady hold: the per-hold numbers are measured over it
    steady_end_s: float
    evidence: str = "markerless"        # what the drop rests on: "markers" or "markerless"
    uncertainty_deg: float = float("nan")  # typical error of that evidence (held-out MAE)
    markerless: HoldMetrics | None = None  # the markerless estimate, when markers were used
    evidence_note: str = ""             # why markers were not used, when they were seen

    @property
    def hold_duration_s(self) -> float:
        return self.hold_end_s - self.hold_start_s

    def result(self) -> HoldResult:
        """The hold as the result keeps it: times to the millisecond, angles to 0.01 deg."""
        m, d = self.metrics, self.decision
        return HoldResult(
            stance_side=Side(self.hold.stance_side),
            lifted_side=Side(self.hold.lifted_side),
            hold_start_s=round(self.hold_start_s, 3),
            hold_end_s=round(self.hold_end_s, 3),
            hold_duration_s=round(self.hold_duration_s, 3),
            steady_start_s=round(self.steady_start_s, 3),
            steady_end_s=round(self.steady_end_s, 3),
            evidence=Evidence(self.evidence),
            uncertainty_deg=rounded(self.uncertainty_deg),
            evidence_note=self.evidence_note,
            pelvic_drop=_drop_stats(m),
            markerless_pelvic_drop=None if self.markerless is None
            else _drop_stats(self.markerless),
            time_to_drop_s=None if m.time_to_drop_s is None else round(m.time_to_drop_s, 3),
            trunk_lean_median_deg=rounded(m.lean_median_deg),
            problems=tuple(self.problems),
            quality={"valid_fraction": round(m.valid_fraction, 3),
                     "filled_fraction": round(m.filled_fraction, 3)},
            **_verdict(d),
        )


def _drop_stats(m: HoldMetrics) -> DropStats:
    return DropStats(rounded(m.drop_median_deg), rounded(m.drop_peak_deg),
                     rounded(m.drop_p25_deg), rounded(m.drop_p75_deg))


def _verdict(d: Decision) -> dict:
    """The decision's part of a hold's or a side's result."""
    return {"classification": Classification(d.classification),
            "compensated": d.compensated,
            "weak_side": None if d.weak_side is None else Side(d.weak_side),
            "clinical_label": d.clinical_label, "summary": d.plain_summary,
            "reasons": tuple(d.reasons)}


@dataclass(frozen=True)
class SideMeasurement:
    """All holds on one stance leg together: one verdict per tested side."""

    stance_side: str
    lifted_side: str
    hold_indices: list[int]      # positions in Analysis.holds
    n_measured: int              # holds that were not inconclusive
    metrics: HoldMetrics | None  # over the measured holds (None when there is none)
    decision: Decision
    evidence: str = ""           # "markers", "markerless", or "mixed" over its measured holds
    uncertainty_deg: float = float("nan")  # the largest of its measured holds

    def result(self) -> SideResult:
        m = self.metrics
        return SideResult(
            stance_side=Side(self.stance_side),
            lifted_side=Side(self.lifted_side),
            hold_indices=tuple(self.hold_indices),
            n_holds=len(self.hold_indices),
            n_measured=self.n_measured,
            evidence=Evidence(self.evidence) if self.evidence else None,
            uncertainty_deg=rounded(self.uncertainty_deg),
            drop_median_deg=rounded(m.drop_median_deg) if m else None,
            trunk_lean_median_deg=rounded(m.lean_median_deg) if m else None,
            **_verdict(self.decision),
        )


def summarise_sides(holds: list[HoldMeasurement], thresholds: DecisionConfig
                    ) -> list[SideMeasurement]:
    """One result per stance leg, in the order the legs were first tested.

    The side's numbers are the medians over its measured (not inconclusive) holds, and the
    side is decided from them like a single hold; with no measured hold it is
    inconclusive.
    """
    order = list(dict.fromkeys(t.hold.stance_side for t in holds))
    sides = []
    for stance in order:
        idx = [i for i, t in enumerate(holds) if t.hold.stance_side == stance]
        lifted = holds[idx[0]].hold.lifted_side
        measured = [holds[i] for i in idx
                    if holds[i].decision.classification != Classification.INCONCLUSIVE]
        if not measured:
            reason = (f"None of the {len(idx)} hold(s) on the {stance} leg could be measured; "
                      "see the reasons of each hold.")
            decision = Decision(Classification.INCONCLUSIVE, False, None, [reason],
                                f"inconclusive ({stance} stance)",
                                f"Standing on your {stance} leg: the test could not be "
                                "measured. " + reason)
            sides.append(SideMeasurement(stance, lifted, idx, 0, None, decision))
            continue

        def med(values):
            values = [v for v in values if v is not None and np.isfinite(v)]
            return float(np.median(values)) if values else float("nan")

        ttd = [t.metrics.time_to_drop_s for t in measured if t.metrics.time_to_drop_s is not None]
        metrics = HoldMetrics(
            drop_median_deg=med([t.metrics.drop_median_deg for t in measured]),
            drop_peak_deg=max(t.metrics.drop_peak_deg for t in measured),
            drop_p25_deg=med([t.metrics.drop_p25_deg for t in measured]),
            drop_p75_deg=med([t.metrics.drop_p75_deg for t in measured]),
            lean_median_deg=med([t.metrics.lean_median_deg for t in measured]),
            time_to_drop_s=min(ttd) if ttd else None,
            valid_fraction=float(np.mean([t.metrics.valid_fraction for t in measured])),
            filled_fraction=float(np.mean([t.metrics.filled_fraction for t in measured])))
        uncertainty = max(t.uncertainty_deg for t in measured)
        decision = decide(metrics, stance_side=stance, lifted_side=lifted, problems=[],
                          thresholds=thresholds, uncertainty_deg=uncertainty)
        if len(idx) > 1:
            decision.reasons.insert(0, f"{len(measured)} of the {len(idx)} holds on the "
                                       f"{stance} leg were measured; the side's numbers are "
                                       "the medians over them.")
        evidence = {t.evidence for t in measured}
        sides.append(SideMeasurement(stance, lifted, idx, len(measured), metrics, decision,
                                     evidence.pop() if len(evidence) == 1 else "mixed",
                                     uncertainty))
    return sides


@dataclass(frozen=True)
class Analysis:
    holds: list[HoldMeasurement]
    quality: dict
    timeseries: TimeSeries
    cleaned: LandmarkSeries
    warnings: list[str] = field(default_factory=list)
    sides: list[SideMeasurement] = field(default_factory=list)
    # the legs the protocol asked for that no hold stood on
    missed_holds: tuple[MissedHold, ...] = ()


def analyse_landmarks(series: LandmarkSeries, config: Config, *,
                      estimator: DropEstimator | None = None,
                      markers: MarkerSeries | None = None,
                      stance_sides_asked: Sequence[Side] = STANCE_SIDES_ASKED) -> Analysis:
    """Checks, cleaning, phases, measurement and decision. Raises RecordingError.

    ``estimator``: the markerless drop estimator (default: ``config.measurement.estimator``);
    the
    validation passes fitted variants here, so it scores this very function.
    ``markers``: the printed pelvis markers found in the same frames. A hold whose markers
    were seen well enough is measured from them (``evidence == "markers"``), with the
    markerless estimate beside it; otherwise from the landmarks alone, saying why.
    ``stance_sides_asked``: the legs the protocol asked to stand on; a leg without a hold
    is listed in ``missed_holds``.
    """
    mirrored = config.video.mirrored
    if mirrored:
        series = series.swap_sides()
    series, n_swapped = fix_side_swaps(series)
    quality = check_recording(series, config.recording,
                              min_visibility=config.signal.min_visibility, mirrored=mirrored)
    quality["side_swaps_fixed"] = n_swapped
    cleaned = clean_series(series, min_visibility=config.signal.min_visibility,
                           max_gap_s=config.signal.max_gap_fill_s,
                           cutoff_hz=config.signal.lowpass_cutoff_hz)
    holds = detect_holds(cleaned, config.phases)
    if not holds:
        raise RecordingError("No lifted foot was found: the person seems to stand on both legs "
                             "the whole time.", "Lift one foot clear of the floor (knee bent) "
                             "and hold it for several seconds.", code="no_lift")
    estimator = estimator or get_estimator(config.measurement.estimator)
    with_markers = markers is not None and markers.any_seen
    sides_agree = marker_sides_agree(markers, cleaned) if with_markers else None
    t = cleaned.t_s
    measured: list[HoldMeasurement] = []
    drops, leans = [], []
    for hold in holds:
        lean = trunk_lean_deg(cleaned, hold)
        sl = steady_slice(t, hold, config.phases.steady_trim_s)
        filled = cleaned.filled[sl][:, KEY_POINTS].any(axis=1)

        def summarise(drop: np.ndarray, hold=hold, sl=sl, filled=filled, lean=lean
                      ) -> HoldMetrics:
            return summarise_hold(t[sl], drop[sl], lean[sl], filled,
                                  threshold_deg=config.decision.positive_from_deg,
                                  hysteresis_deg=config.measurement.time_to_drop_hysteresis_deg,
                                  start_s=float(t[hold.hold_start]))

        drop = estimator.drop_deg(cleaned, hold)
        metrics = summarise(drop)
        evidence, note, markerless = "markerless", "", None
        uncertainty = uncertainty_deg(estimator.name)
        if with_markers:
            marker = marker_drop_deg(markers, t, hold)
            usable = marker_evidence(marker, sl, sides_agree=sides_agree)
            if usable.usable:
                markerless, drop = metrics, marker.drop_deg
                metrics = summarise(drop)
                evidence, uncertainty = "markers", uncertainty_deg("markers")
            else:
                note = (f"{usable.reason} This hold is measured from the body landmarks "
                        "alone instead.")
        drops.append(drop)
        leans.append(lean)
        problems = hold_problems(
            cleaned, hold, metrics, phases=config.phases, evidence=evidence,
            max_markerless_rise_deg=config.measurement.max_markerless_rise_deg)
        decision = decide(metrics, stance_side=hold.stance_side, lifted_side=hold.lifted_side,
                          problems=problems, thresholds=config.decision,
                          uncertainty_deg=uncertainty)
        measured.append(HoldMeasurement(hold, float(t[hold.hold_start]),
                                        float(t[hold.hold_end - 1]), metrics, decision,
                                        problems, float(t[sl.start]), float(t[sl.stop - 1]),
                                        evidence=evidence, uncertainty_deg=uncertainty,
                                        markerless=markerless, evidence_note=note))
    timeseries = _timeseries(cleaned, series, holds, drops, leans,
                             lift_signals(cleaned, config.phases))
    warnings = []
    standard_s = config.phases.standard_hold_s
    if all(tr.hold_duration_s < standard_s for tr in measured):
        warnings.append(f"Holds were shorter than the standard {standard_s:g} s; "
                        "a longer hold shows fatigue (time-to-drop) better.")
    quality["n_holds"] = len(measured)
    return Analysis(measured, quality, timeseries, cleaned, warnings,
                    summarise_sides(measured, config.decision),
                    missed_holds([h.hold.stance_side for h in measured], stance_sides_asked))


def _timeseries(cleaned: LandmarkSeries, raw: LandmarkSeries, holds: list[Hold],
                drops: list[np.ndarray], leans: list[np.ndarray],
                signals: dict[str, np.ndarray]) -> TimeSeries:
    """Per-frame columns for the CSV, the chart and the annotated video."""
    t = cleaned.t_s
    n = len(t)
    # each frame belongs to the hold whose lift window is nearest in time
    centres = np.array([(t[h.lift_start] + t[h.lift_end - 1]) / 2 for h in holds])
    owner = np.argmin(np.abs(t[:, None] - centres[None, :]), axis=1)
    drop = np.array([drops[k][i] for i, k in enumerate(owner)])
    lean = np.array([leans[k][i] for i, k in enumerate(owner)])
    phase = np.full(n, "double", dtype=object)
    lifted = np.full(n, "", dtype=object)
    hold_index = np.full(n, -1)
    for k, h in enumerate(holds):
        phase[h.lift_start:h.hold_start] = "lift"
        phase[h.hold_start:h.hold_end] = "hold"
        phase[h.hold_end:h.lift_end] = "lower"
        lifted[h.lift_start:h.lift_end] = h.lifted_side
        hold_index[h.lift_start:h.lift_end] = k
    phase[~raw.detected()] = "no_person"
    # the drop is measured only while the foot is held up: during the lift and the
    # lowering the leg moves on purpose, so no drop is given there (NaN)
    drop[phase != "hold"] = np.nan
    return TimeSeries(
        t_s=t,
        phase=phase,
        lifted_side=lifted,
        hold_index=hold_index,
        hip_obliquity_deg=hip_obliquity_deg(cleaned.xy_px),
        pelvic_drop_deg=drop,
        trunk_lean_deg=lean,
        lift_left_leg=signals["left"],
        lift_right_leg=signals["right"],
        person_found=raw.detected(),
        landmarks_filled=cleaned.filled[:, KEY_POINTS].any(axis=1),
        left_hip_x_px=cleaned.xy_px[:, LEFT_HIP, 0],
        left_hip_y_px=cleaned.xy_px[:, LEFT_HIP, 1],
        right_hip_x_px=cleaned.xy_px[:, RIGHT_HIP, 0],
        right_hip_y_px=cleaned.xy_px[:, RIGHT_HIP, 1],
    )

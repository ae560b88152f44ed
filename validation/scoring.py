"""Scoring measured pelvic drop against ground truth (pure functions, no model).

Per clip: the detected hold that overlaps the truth ``hold`` phase most is matched to it;
its median drop is compared with the median true 3-D drop over the truth hold. Over a
set: bias (mean error), least-squares slope and intercept of measured on true, RMSE,
MAE, classification agreement (truth and measurement classified with the same Config
thresholds), stance-side accuracy and hold-window timing errors, overall and per factor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from screening.analysis import analyse_landmarks
from screening.config import Config
from screening.errors import ScreeningError
from screening.estimators import DropEstimator
from screening.landmarks import LandmarkSeries
from screening.markers import MarkerSeries
from screening.results import drop_band

from .truth import ClipTruth


def classify(drop_deg: float, config: Config) -> str:
    """negative / borderline / positive (inconclusive for NaN) with the decision thresholds
    of ``config``, as the pipeline's decision bands a drop."""
    return drop_band(drop_deg, config.decision).value


@dataclass(frozen=True)
class MeasuredHold:
    lifted_side: str
    start_s: float
    end_s: float
    drop_median_deg: float
    classification: str  # the pipeline's own decision (may be "inconclusive")
    evidence: str = "markerless"
    markerless_drop_median_deg: float = float("nan")  # with markers: the landmark estimate


@dataclass
class ClipScore:
    name: str
    factors: dict[str, str]
    true_drop_deg: float
    true_drop2d_deg: float
    target_drop_deg: float
    measured_drop_deg: float = float("nan")
    error_deg: float = float("nan")
    evidence: str = ""
    markerless_drop_deg: float = float("nan")  # the landmark estimate of the same hold
    true_class: str = ""
    measured_class: str = "inconclusive"
    pipeline_class: str = "inconclusive"
    true_lifted_side: str = ""
    measured_lifted_side: str = ""
    side_correct: bool = False
    hold_start_error_s: float = float("nan")
    hold_end_error_s: float = float("nan")
    n_holds: int = 0
    failure: str = ""  # error code when the pipeline gave no usable hold

    def to_dict(self) -> dict:
        out = asdict(self)
        for k, v in out.items():
            if isinstance(v, float) and not math.isfinite(v):
                out[k] = None
            elif isinstance(v, float):
                out[k] = round(v, 3)
        return out


def measure_holds(series: LandmarkSeries, config: Config,
                  estimator: DropEstimator | None = None,
                  markers: MarkerSeries | None = None) -> list[MeasuredHold]:
    """Holds and their median drop from a *raw* landmark series, through the shipped
    analysis (``analyse_landmarks``: recording checks, side-swap fixing, cleaning, hold
    detection, the steady-hold median, the decision). ``estimator`` (e.g. one fitted
    inside a cross-validation fold) replaces ``config.measurement.estimator``; nothing else differs.
    """
    analysis = analyse_landmarks(series, config, estimator=estimator, markers=markers)
    return [MeasuredHold(t.hold.lifted_side, t.hold_start_s, t.hold_end_s,
                         t.metrics.drop_median_deg, t.decision.classification, t.evidence,
                         (t.markerless or t.metrics).drop_median_deg)
            for t in analysis.holds]


def score_clip(truth: ClipTruth, series: LandmarkSeries, config: Config,
               estimator: DropEstimator | None = None,
               markers: MarkerSeries | None = None) -> ClipScore:
    score = ClipScore(name=truth.name, factors=truth.factors(),
                      true_drop_deg=truth.true_drop_deg, true_drop2d_deg=truth.true_drop2d_deg,
                      target_drop_deg=truth.target_drop_deg,
                      true_class=classify(truth.true_drop_deg, config),
                      true_lifted_side=truth.lifted_side)
    try:
        holds = measure_holds(series, config, estimator, markers)
    except ScreeningError as exc:
        score.failure = getattr(exc, "code", type(exc).__name__)
        return score
    score.n_holds = len(holds)
    if not holds:
        score.failure = "no_hold"
        return score
    t0, t1 = truth.hold_start_s, truth.hold_end_s

    def overlap(h: MeasuredHold) -> float:
        return max(0.0, min(h.end_s, t1) - max(h.start_s, t0))

    best = max(holds, key=overlap)
    score.measured_drop_deg = best.drop_median_deg
    score.error_deg = best.drop_median_deg - score.true_drop_deg
    score.evidence = best.evidence
    score.markerless_drop_deg = best.markerless_drop_median_deg
    score.measured_class = classify(best.drop_median_deg, config)
    score.pipeline_class = best.classification
    score.measured_lifted_side = best.lifted_side
    score.side_correct = best.lifted_side == truth.lifted_side
    score.hold_start_error_s = best.start_s - t0
    score.hold_end_error_s = best.end_s - t1
    return score


@dataclass
class Summary:
    n: int
    n_measured: int
    bias_deg: float
    slope: float
    intercept_deg: float
    rmse_deg: float
    mae_deg: float
    max_abs_error_deg: float
    class_agreement: float
    side_accuracy: float
    hold_start_mae_s: float
    hold_end_mae_s: float
    true_range_deg: tuple[float, float] = field(default=(float("nan"), float("nan")))
    inconclusive_fraction: float = float("nan")  # holds the pipeline called inconclusive
    opposite_class: int = 0  # decided holds: true >= positive read < negative, or the reverse

    def to_dict(self) -> dict:
        out = {}
        for k, v in asdict(self).items():
            if isinstance(v, float):
                out[k] = round(v, 4) if math.isfinite(v) else None
            elif isinstance(v, (tuple, list)):
                out[k] = [round(x, 3) if math.isfinite(x) else None for x in v]
            else:
                out[k] = v
        return out


def fit_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares ``y = slope * x + intercept``; NaN when x has (almost) no spread."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or np.ptp(x) < 1.0:
        return float("nan"), float("nan")
    a = np.column_stack([x, np.ones_like(x)])
    (slope, intercept), *_ = np.linalg.lstsq(a, y, rcond=None)
    return float(slope), float(intercept)


def summarise(scores: Sequence[ClipScore]) -> Summary:
    n = len(scores)
    ok = [s for s in scores if math.isfinite(s.measured_drop_deg)]
    true = np.array([s.true_drop_deg for s in ok])
    meas = np.array([s.measured_drop_deg for s in ok])
    err = meas - true
    nan = float("nan")
    slope, intercept = fit_line(true, meas)
    starts = np.array([abs(s.hold_start_error_s) for s in ok])
    ends = np.array([abs(s.hold_end_error_s) for s in ok])
    return Summary(
        n=n, n_measured=len(ok),
        bias_deg=float(err.mean()) if ok else nan,
        slope=slope, intercept_deg=intercept,
        rmse_deg=float(np.sqrt(np.mean(err ** 2))) if ok else nan,
        mae_deg=float(np.mean(np.abs(err))) if ok else nan,
        max_abs_error_deg=float(np.max(np.abs(err))) if ok else nan,
        # a clip that could not be measured counts as a disagreement / wrong side
        class_agreement=float(np.mean([s.measured_class == s.true_class for s in scores]))
        if n else nan,
        side_accuracy=float(np.mean([s.side_correct for s in scores])) if n else nan,
        hold_start_mae_s=float(starts.mean()) if ok else nan,
        hold_end_mae_s=float(ends.mean()) if ok else nan,
        true_range_deg=(float(true.min()), float(true.max())) if ok else (nan, nan),
        inconclusive_fraction=float(np.mean([s.pipeline_class == "inconclusive"
                                             for s in scores])) if n else nan,
        opposite_class=sum(1 for s in ok if s.pipeline_class != "inconclusive"
                           and {s.true_class, s.measured_class} == {"positive", "negative"}),
    )


def breakdown(scores: Sequence[ClipScore]) -> dict[str, dict[str, Summary]]:
    """Summaries per level of every factor."""
    factors: dict[str, dict[str, list[ClipScore]]] = {}
    for s in scores:
        for factor, level in s.factors.items():
            factors.setdefault(factor, {}).setdefault(level, []).append(s)
    return {f: {level: summarise(group) for level, group in sorted(levels.items())}
            for f, levels in factors.items()}


def scores_document(scores: Sequence[ClipScore]) -> dict:
    """Summary, per-factor breakdown and per-clip rows, ready for JSON."""
    return {"summary": summarise(scores).to_dict(),
            "by_factor": {f: {lv: s.to_dict() for lv, s in levels.items()}
                          for f, levels in breakdown(scores).items()},
            "clips": [s.to_dict() for s in scores]}


def held_out_scores(clips: Sequence[ClipTruth], rows: dict, series: dict, config: Config,
                    folds: str, fit_rows: Callable[[list], object],
                    make_estimator: Callable[[object], DropEstimator]
                    ) -> tuple[list[ClipScore], dict[str, object]]:
    """Leave-one-group-out scores: for each body (``folds="body"``) or clip (``"clip"``),
    fit on the usable ``rows`` of the other groups and score the group's clips with that
    fit. Returns the scores (sorted by clip) and each group's fitted coefficients."""
    key = (lambda c: c.body) if folds == "body" else (lambda c: c.name)
    scores, fold_coefs = [], {}
    for group in sorted({key(c) for c in clips}):
        coef = fit_rows([rows[c.name] for c in clips
                         if rows[c.name] is not None and key(c) != group])
        fold_coefs[group] = coef
        estimator = make_estimator(coef)
        for truth in (c for c in clips if key(c) == group):
            scores.append(score_clip(truth, series[truth.name], config, estimator))
    scores.sort(key=lambda s: s.name)
    return scores, fold_coefs

"""From measured numbers to negative / borderline / positive / inconclusive, with reasons.

Naming follows clinical use: the *weak* side is the **stance** side. Standing on the
right leg, if the left side of the pelvis drops, the right hip abductors are weak: a
"positive right Trendelenburg".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .config import DecisionConfig
from .metrics import HoldMetrics
from .results import Classification, Problem, Side, drop_band


@dataclass(frozen=True)
class Decision:
    classification: Classification
    compensated: bool
    weak_side: Side | None
    reasons: list[str] = field(default_factory=list)
    clinical_label: str = ""
    plain_summary: str = ""


def decide(metrics: HoldMetrics, *, stance_side: str, lifted_side: str,
           problems: list[Problem], thresholds: DecisionConfig,
           uncertainty_deg: float = float("nan")) -> Decision:
    """Classify one hold (or one side's medians) with the ``thresholds`` of the decision.

    ``uncertainty_deg`` is the typical error of the evidence the drop rests on. When the
    drop lies within it of a threshold, the class could be the neighbouring one: the
    reasons and the plain summary then say so, and a borderline call names no weak side.
    """
    if problems or not math.isfinite(metrics.drop_median_deg):
        reasons = [f"{p.message} {p.hint}" for p in problems] or [
            "The pelvis could not be measured during the hold."]
        return Decision(Classification.INCONCLUSIVE, False, None, reasons,
                        f"inconclusive ({stance_side} stance)",
                        f"Standing on your {stance_side} leg: the test could not be measured. "
                        + reasons[0])
    drop = metrics.drop_median_deg
    lean = metrics.lean_median_deg
    compensated = math.isfinite(lean) and lean >= thresholds.compensation_lean_deg
    classification = drop_band(drop, thresholds)
    reasons = [
        _drop_reason(drop, lifted_side, thresholds),
    ]
    near = near_threshold(drop, uncertainty_deg, thresholds)
    if near:
        reasons.append(
            f"The measurement's typical error here is {uncertainty_deg:.1f} deg, so the true "
            f"drop may be on the other side of the {near:g} deg threshold: repeat the test, "
            "or use the printed pelvis markers for a reliable number.")
    if compensated:
        reasons.append(
            f"The trunk leaned {lean:.1f} deg toward the standing ({stance_side}) leg "
            f"(>= {thresholds.compensation_lean_deg:g} deg): leaning over the standing leg "
            "keeps the pelvis level and can hide a drop (compensated Trendelenburg).")
    if metrics.time_to_drop_s is not None:
        reasons.append(f"The drop passed {thresholds.positive_from_deg:g} deg after "
                       f"{metrics.time_to_drop_s:.1f} s of the hold and stayed there.")
    weak = Side(stance_side) if classification == "positive" or compensated else None
    clinical = {
        "positive": f"positive {stance_side} Trendelenburg",
        "borderline": f"borderline {stance_side} Trendelenburg",
        "negative": f"negative {stance_side} Trendelenburg",
    }[classification]
    if compensated:
        clinical += " (compensated)"
    summary = _plain_summary(classification, compensated, drop, stance_side, lifted_side)
    if near:
        summary += (f" This is within the measurement's uncertainty (about "
                    f"{uncertainty_deg:.1f} deg): repeat the test, or use the pelvis markers.")
    return Decision(classification, compensated, weak, reasons, clinical, summary)


def near_threshold(drop_deg: float, uncertainty_deg: float,
                   thresholds: DecisionConfig) -> float | None:
    """The threshold that lies within ``uncertainty_deg`` of ``drop_deg`` (the nearer one),
    or None when the class is clear (or the uncertainty is unknown)."""
    if not (math.isfinite(drop_deg) and math.isfinite(uncertainty_deg)):
        return None
    near = [th for th in (thresholds.negative_below_deg, thresholds.positive_from_deg)
            if abs(drop_deg - th) < uncertainty_deg]
    return min(near, key=lambda th: abs(drop_deg - th)) if near else None


def _drop_reason(drop: float, lifted_side: str, thresholds: DecisionConfig) -> str:
    where = (f"the {lifted_side} (lifted-leg) side of the pelvis dropped {drop:.1f} deg"
             if drop >= 0 else
             f"the {lifted_side} (lifted-leg) side of the pelvis rose {abs(drop):.1f} deg")
    negative_below, positive_from = thresholds.negative_below_deg, thresholds.positive_from_deg
    band = {
        Classification.POSITIVE: f"at or above the {positive_from:g} deg positive threshold",
        Classification.BORDERLINE: (f"between {negative_below:g} and {positive_from:g} deg, "
                                    "inside measurement noise (borderline)"),
        Classification.NEGATIVE: f"below {negative_below:g} deg (level)",
    }[drop_band(drop, thresholds)]
    return f"Over the hold, {where}: {band}."


def _plain_summary(classification: str, compensated: bool, drop: float, stance: str,
                   lifted: str) -> str:
    muscles = (f"the muscles on the side of your {stance} hip that keep your pelvis level "
               "(the hip abductors, mainly gluteus medius)")
    if classification == "positive":
        text = (f"Standing on your {stance} leg, your pelvis dropped {drop:.1f} deg on the "
                f"{lifted} side. This suggests {muscles} are weak.")
    elif classification == "borderline":
        text = (f"Standing on your {stance} leg, your pelvis dropped {drop:.1f} deg on the "
                f"{lifted} side: a small drop, within measurement noise. {muscles[0].upper()}"
                f"{muscles[1:]} may be weak, or may not; repeat the test to be sure.")
    else:
        text = (f"Standing on your {stance} leg, your pelvis stayed level "
                f"({drop:+.1f} deg on the {lifted} side).")
    if compensated:
        text += (f" But your trunk leaned toward your {stance} leg, which can hide a drop: "
                 f"{muscles} may still be weak.")
    return text

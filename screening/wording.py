"""A result in plain words: the lines the app and the printable report show.

Pure functions from the typed result (screening.results) to text; nothing here reads
files or draws. The numbers are the result's own, and the thresholds those it was decided
with.
"""

from __future__ import annotations

import math

from .config import DecisionConfig
from .estimators import uncertainty_deg
from .results import (
    Classification,
    Evidence,
    HoldResult,
    MissedHold,
    Result,
    SideResult,
)

NOISE_NOTE = ("Camera measurements of pelvic drop differ by about 3-4 deg between repeats "
              "(video SDD 2.7-2.8 deg, Dingenen 2018; goniometer MDC 4 deg, Youdas 2007): "
              "a result within that distance of a threshold is approximate.")
DISCLAIMER = ("Screening and education, not a diagnosis. A positive or borderline result "
              "points to exercises and, if in doubt, to a clinician.")
# what each estimator cannot see (docs/VALIDATION.md, "What each measurement assumes")
ESTIMATOR_LIMIT = {
    "leg": "It measures how far the lifted foot goes down after it has left the floor: a "
           "drop already there at that moment is missed, and a lifted foot that sinks reads "
           "as a drop. Keep the foot still, or wear the printed pelvis markers.",
    "hip_line": "The hip landmarks follow the trunk more than the pelvis, so it under-reads "
                "the drop.",
}
CLASS_WORDS = {
    Classification.NEGATIVE: "level pelvis (negative)",
    Classification.BORDERLINE: "small drop, within measurement noise (borderline)",
    Classification.POSITIVE: "pelvis dropped (positive)",
    Classification.INCONCLUSIVE: "could not be measured (inconclusive)",
}


def estimator_note(estimator: str | None) -> str:
    """What is known of the error of ``estimator`` (and of the markers) on rendered clips
    with a known drop, from the held-out numbers in screening.estimators."""
    error = uncertainty_deg(estimator or "")
    if not math.isfinite(error):
        return ""
    limit = ESTIMATOR_LIMIT.get(estimator or "")
    return (f"On rendered bodies with a known pelvic drop and realistic motions that no fit "
            f"had seen, the camera-only ({estimator}) estimate was off by {error:.1f} deg on "
            f"average; with the printed pelvis markers by {uncertainty_deg('markers'):.1f} "
            "deg." + (f" {limit}" if limit else ""))


def deg_text(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.1f} deg"


def repeated_sides(result: Result) -> list[SideResult]:
    """The per-side results, when some leg was tested more than once (else empty: the
    per-hold results already say everything)."""
    return list(result.sides) if any(side.n_holds > 1 for side in result.sides) else []


def side_line(side: SideResult) -> str:
    """One line for a leg tested several times."""
    drop = side.drop_median_deg
    measured = side.n_measured if side.n_measured is not None else "?"
    return (f"Standing on the {side.stance_side.upper()} leg, {side.n_holds} holds "
            f"({measured} measured): {CLASS_WORDS[side.classification]}"
            + (f", median drop {deg_text(drop)}" if drop is not None else "") + ".")


def hold_title(hold: HoldResult) -> str:
    return (f"Standing on the {hold.stance_side.upper()} leg "
            f"({hold.lifted_side} foot lifted)")


def hold_lines(hold: HoldResult, thresholds: DecisionConfig) -> list[str]:
    """The numbers of one hold in plain words, with their uncertainty (``thresholds``: the
    result's own)."""
    negative_below_deg = thresholds.negative_below_deg
    positive_from_deg = thresholds.positive_from_deg
    drop = hold.pelvic_drop
    lines = [f"Result: {CLASS_WORDS[hold.classification]}"
             + (f" - {hold.clinical_label}" if hold.clinical_label else "")]
    if hold.measured:
        lines.append(f"Pelvic drop on the {hold.lifted_side} side: median "
                     f"{deg_text(drop.median_deg)} (middle half of the hold "
                     f"{deg_text(drop.p25_deg)} to {deg_text(drop.p75_deg)}, peak "
                     f"{deg_text(drop.peak_deg)}); thresholds: below {negative_below_deg:g} "
                     f"deg level, from {positive_from_deg:g} deg positive.")
        if hold.evidence is not None:
            lines.append(evidence_text(hold))
        lines.append(lean_text(hold.trunk_lean_median_deg, compensated=hold.compensated,
                               lean_limit=thresholds.compensation_lean_deg))
        ttd = hold.time_to_drop_s
        lines.append(f"Time to drop: {ttd:.1f} s into the hold." if ttd is not None else
                     f"Time to drop: the drop did not pass {positive_from_deg:g} deg and stay "
                     "there during the hold.")
    lines.append(f"Hold: {hold.hold_duration_s:.1f} s (from {hold.hold_start_s:.1f} s "
                 f"to {hold.hold_end_s:.1f} s of the video; 30 s is standard).")
    return lines


def lean_text(lean_deg: float | None, *, compensated: bool, lean_limit: float) -> str:
    """The trunk lean in words: how far, and toward or away from the standing leg."""
    if lean_deg is None or not math.isfinite(lean_deg):
        return "Trunk lean: n/a."
    toward = "toward" if lean_deg >= 0 else "away from"
    text = f"Trunk lean: {abs(lean_deg):.1f} deg {toward} the standing leg"
    if compensated:
        return text + (f" - at or above {lean_limit:g} deg toward it: the trunk leaned over "
                       "the standing leg, which keeps the pelvis level and can hide a weak "
                       "side (compensated Trendelenburg).")
    if lean_deg >= 0:
        return text + f" (less than the {lean_limit:g} deg toward it that would hide a drop)."
    return text + " (a lean away from the standing leg does not hide a drop)."


def evidence_text(hold: HoldResult) -> str:
    """What the drop rests on, and its typical error."""
    u = hold.uncertainty_deg
    error = f" (typical error about {u:.1f} deg)" if u is not None else ""
    if hold.evidence is Evidence.MARKERS:
        other = hold.markerless_pelvic_drop.median_deg if hold.markerless_pelvic_drop else None
        return (f"Measured from the printed pelvis markers{error}; the camera-only estimate "
                f"was {deg_text(other)}.")
    text = f"Measured from the body landmarks alone, without markers{error}."
    if hold.evidence_note:
        text += " " + hold.evidence_note
    return text


def weak_side_text(hold: HoldResult) -> str:
    """Which side is weak, named as clinicians do and explained; as strong as the
    measurement allows (a borderline drop names no weak side, only a possible one)."""
    side = hold.weak_side
    lifted = hold.lifted_side
    muscles_of = ("the hip abductors at the side of your {side} hip (mainly gluteus medius), "
                  "which keep the pelvis level when you stand on that leg")
    if hold.classification is Classification.BORDERLINE and side is None:
        stance = hold.stance_side
        muscles = muscles_of.format(side=stance)
        return (f"Borderline: standing on your {stance} leg, the {lifted} side of your pelvis "
                f"sagged a little, within measurement noise. {muscles[0].upper()}{muscles[1:]}, "
                "may be weak, or may not: repeat the test, or use the printed pelvis markers "
                "for a reliable number.")
    if side is None:
        return ""
    label = hold.clinical_label or f"{hold.classification} {side} Trendelenburg"
    label = f"{label[0].upper()}{label[1:]}"
    muscles = muscles_of.format(side=side)
    if hold.classification is Classification.POSITIVE:
        what = (f"standing on your {side} leg, the {lifted} side of your pelvis sagged: "
                f"{muscles}, did not hold it.")
    else:
        what = (f"your pelvis stayed level only because your trunk leaned over the {side} "
                f"leg; {muscles}, may still be weak.")
    return f"{label} - the weak side is your {side.upper()} side: {what}"


def missed_hold_text(missed: MissedHold) -> str:
    """A leg the protocol asked for that was not measured, and what to do."""
    return f"{missed.message} {missed.hint}"


def clean_text(value: str | None) -> str:
    """Typed text for the report: surrounding blanks removed, line ends unified."""
    return "\n".join(line.rstrip() for line in str(value or "").strip().splitlines())

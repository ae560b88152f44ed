"""Results to database rows and back: a result's sides as side rows, a stored session as
the dict the CLI, the app and the exports read (its sides read like result.json, so those
recorded with an earlier schema come out in today's), and an entry of the app's earlier
JSON history as a result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..config import DecisionConfig, recorded_value
from ..results import (
    Classification,
    DropStats,
    HoldResult,
    Result,
    Side,
    Status,
    drop_band,
)
from ..results import SideResult as ResultSide
from .compare import asymmetry
from .models import ScreeningSession, SideResult


def aware_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def side_rows(result: Result, spreads: Mapping[str, DropStats] | None = None) -> list[dict]:
    """Column values of every side of a result (results written before sides existed:
    one side per hold, with its spread). ``spreads``: the p25/p75/peak of a side's drop by
    stance side, when known (result.json's sides give the median only)."""
    if result.sides:
        sides = [(side, (spreads or {}).get(side.stance_side)) for side in result.sides]
    else:
        sides = [(_hold_as_side(i, h), h.pelvic_drop) for i, h in enumerate(result.holds)]
    rows = []
    for pos, (side, spread) in enumerate(sides):
        rows.append({
            "position": pos, "stance_side": side.stance_side.value,
            "lifted_side": side.lifted_side.value,
            "classification": side.classification.value,
            "drop_median_deg": side.drop_median_deg,
            "drop_p25_deg": spread.p25_deg if spread else None,
            "drop_p75_deg": spread.p75_deg if spread else None,
            "drop_peak_deg": spread.peak_deg if spread else None,
            "trunk_lean_median_deg": side.trunk_lean_median_deg,
            "weak_side": side.weak_side.value if side.weak_side else None,
            "compensated": side.compensated,
            "n_holds": side.n_holds, "n_measured": side.n_measured,
            "entry": side.to_document(),
        })
    return rows


def _hold_as_side(index: int, hold: HoldResult) -> ResultSide:
    """A hold standing for its leg (results written before sides existed)."""
    return ResultSide(
        stance_side=hold.stance_side, lifted_side=hold.lifted_side,
        classification=hold.classification, hold_indices=(index,), n_holds=1,
        evidence=hold.evidence, uncertainty_deg=hold.uncertainty_deg,
        drop_median_deg=hold.pelvic_drop.median_deg,
        trunk_lean_median_deg=hold.trunk_lean_median_deg, compensated=hold.compensated,
        weak_side=hold.weak_side, clinical_label=hold.clinical_label, summary=hold.summary,
        reasons=hold.reasons)


def side_dict(row: SideResult) -> dict:
    """The side as in result.json's ``sides`` (read like result.json, so sides recorded
    with an earlier schema come out in today's), numbers from the columns."""
    try:
        entry = ResultSide.from_document(row.entry or {}, "the recorded side").to_document()
    except ValueError:   # not readable as a side: kept as it was stored
        entry = dict(row.entry or {})
    drop = {"median": row.drop_median_deg}
    for key, value in (("p25", row.drop_p25_deg), ("p75", row.drop_p75_deg),
                       ("peak", row.drop_peak_deg)):
        if value is not None:
            drop[key] = value
    return {**entry, "stance_side": row.stance_side,
            "lifted_side": row.lifted_side, "classification": row.classification,
            "pelvic_drop_deg": drop, "trunk_lean_deg": {"median": row.trunk_lean_median_deg},
            "weak_side": row.weak_side, "compensated": row.compensated,
            "n_holds": row.n_holds, "n_measured": row.n_measured}


def session_dict(row: ScreeningSession, person: str) -> dict:
    cfg = row.config or {}
    out = {
        "id": row.id, "person": person, "recorded_at": iso(aware_utc(row.recorded_at)),
        "source": row.source, "input": row.input_name, "input_sha256": row.input_sha256,
        "model_sha256": row.model_sha256, "estimator": row.estimator,
        "software_version": row.software_version, "operator": row.operator,
        "notes": row.notes, "output_dir": row.output_dir,
        "annotated_video": row.annotated_video,
        "thresholds": {name: float(recorded_value(cfg, name))
                       for name in ("negative_below_deg", "positive_from_deg")},
        "config": cfg,
        "sides": [side_dict(side) for side in row.sides],
    }
    out["asymmetry"] = asymmetry(out)
    return out


def history_entry_as_result(entry: dict) -> tuple[Result, dict[str, DropStats]]:
    """An entry of the earlier JSON history (one per hold) as a result with one side per
    stance leg, and the spread of each side's drop. A leg with several holds gets the
    medians of their numbers and is classed from them with the default thresholds (the
    history kept no settings)."""
    thresholds = DecisionConfig()
    spreads: dict[str, DropStats] = {}
    by_side: dict[str, list[dict]] = {}
    for t in entry.get("tests") or []:
        by_side.setdefault(t["stance_side"], []).append(t)
    sides = []
    for stance, tests in by_side.items():
        measured = [t for t in tests if t.get("classification") != "inconclusive"
                    and t.get("drop_median_deg") is not None]

        def med(key, rows=measured):
            vals = sorted(t[key] for t in rows if t.get(key) is not None)
            if not vals:
                return None
            mid = len(vals) // 2
            return round(vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2, 2)

        if len(tests) == 1:
            cls = Classification(tests[0].get("classification") or "inconclusive")
        elif not measured:
            cls = Classification.INCONCLUSIVE
        else:
            cls = drop_band(med("drop_median_deg"), thresholds)
        compensated = any(t.get("compensated") for t in measured)
        weak = cls in (Classification.POSITIVE, Classification.BORDERLINE) or compensated
        sides.append(ResultSide(
            stance_side=Side(stance), lifted_side=Side(stance).other, classification=cls,
            n_holds=len(tests), n_measured=len(measured),
            drop_median_deg=med("drop_median_deg"),
            trunk_lean_median_deg=med("trunk_lean_median_deg"),
            compensated=compensated, weak_side=Side(stance) if weak else None))
        spreads[stance] = DropStats(med("drop_median_deg"), None, med("drop_p25_deg"),
                                    med("drop_p75_deg"))
    result = Result(input=entry.get("video") or "video", status=Status.OK, sides=tuple(sides),
                    config={"decision": {
                        "negative_below_deg": thresholds.negative_below_deg,
                        "positive_from_deg": thresholds.positive_from_deg}})
    return result, spreads

"""Result documents to database rows and back: a result's ``sides`` as side rows, a stored
session as the dict the CLI, the app and the exports read, and an entry of the app's
earlier JSON history as a result document.
"""

from __future__ import annotations

import datetime as dt

from ..config import recorded_value
from .compare import asymmetry
from .models import ScreeningSession, SideResult


def aware_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def side_rows(doc: dict) -> list[dict]:
    """Column values of every ``sides`` entry of a result document (older documents
    without ``sides``: one side per hold)."""
    entries = doc.get("sides")
    if not entries:
        entries = [{**t, "n_holds": 1, "tests": [i]} for i, t in enumerate(doc.get("tests") or [])]
    rows = []
    for pos, side in enumerate(entries):
        drop = side.get("pelvic_drop_deg") or {}
        rows.append({
            "position": pos, "stance_side": side["stance_side"],
            "lifted_side": side.get("lifted_side"),
            "classification": side.get("classification") or "inconclusive",
            "drop_median_deg": drop.get("median"), "drop_p25_deg": drop.get("p25"),
            "drop_p75_deg": drop.get("p75"), "drop_peak_deg": drop.get("peak"),
            "trunk_lean_median_deg": (side.get("trunk_lean_deg") or {}).get("median"),
            "weak_side": side.get("weak_side"), "compensated": bool(side.get("compensated")),
            "n_holds": int(side.get("n_holds") or 1), "n_measured": side.get("n_measured"),
            "entry": side,
        })
    return rows


def side_dict(row: SideResult) -> dict:
    """The side as in result.json's ``sides``: the stored entry, numbers from the columns."""
    drop = {"median": row.drop_median_deg}
    for key, value in (("p25", row.drop_p25_deg), ("p75", row.drop_p75_deg),
                       ("peak", row.drop_peak_deg)):
        if value is not None:
            drop[key] = value
    return {**(row.entry or {}), "stance_side": row.stance_side,
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


def history_entry_as_result(entry: dict) -> dict:
    """An entry of the earlier JSON history (one per hold) as a result document with one
    side per stance leg. A leg with several holds gets the medians of their numbers and is
    classed from them with the default thresholds (2 and 4 deg)."""
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
            cls = tests[0].get("classification") or "inconclusive"
        elif not measured:
            cls = "inconclusive"
        else:
            d = med("drop_median_deg")
            cls = "positive" if d >= 4.0 else "borderline" if d >= 2.0 else "negative"
        compensated = any(t.get("compensated") for t in measured)
        sides.append({
            "stance_side": stance, "lifted_side": "left" if stance == "right" else "right",
            "n_holds": len(tests), "n_measured": len(measured),
            "pelvic_drop_deg": {"median": med("drop_median_deg"), "p25": med("drop_p25_deg"),
                                "p75": med("drop_p75_deg")},
            "trunk_lean_deg": {"median": med("trunk_lean_median_deg")},
            "classification": cls, "compensated": compensated,
            "weak_side": stance if cls in ("positive", "borderline") or compensated else None,
            "history_tests": tests,
        })
    return {"status": "ok", "input": entry.get("video") or "video", "sides": sides,
            "tests": entry.get("tests"), "config": {"negative_below_deg": 2.0,
                                                    "positive_from_deg": 4.0}}

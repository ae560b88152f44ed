"""The cells of the app's batch and history tables (screening/app/tables.py): empty cells
empty, one decimal, units in the headers, errors with their fix, and legs not measured."""

from __future__ import annotations

from screening.app.tables import (
    BATCH_COLUMNS,
    batch_rows,
    comparison_rows,
    session_missed_holds,
    session_rows,
)
from screening.records.compare import noise_deg
from screening.results import (
    Classification,
    DropStats,
    Failure,
    HoldResult,
    Problem,
    Result,
    Side,
    Status,
    missed_hold,
)


def _hold(stance: Side, classification: Classification, drop_deg: float | None, *,
          time_to_drop_s: float | None = None, lean_deg: float | None = None,
          compensated: bool = False, problems: tuple[Problem, ...] = ()) -> HoldResult:
    return HoldResult(stance_side=stance, lifted_side=stance.other, hold_start_s=2.0,
                      hold_end_s=12.0, hold_duration_s=10.0, classification=classification,
                      pelvic_drop=DropStats(drop_deg), time_to_drop_s=time_to_drop_s,
                      trunk_lean_median_deg=lean_deg, compensated=compensated,
                      problems=problems)


def test_a_measured_hold_has_one_decimal_and_empty_cells_where_nothing_was_measured():
    result = Result(input="/videos/run 1.mp4", status=Status.OK, holds=(
        _hold(Side.RIGHT, Classification.POSITIVE, 5.13333, time_to_drop_s=2.1,
              lean_deg=-0.04),
        _hold(Side.LEFT, Classification.NEGATIVE, 2.0),
    ))
    right, left = batch_rows([result])
    assert tuple(right) == BATCH_COLUMNS
    assert "pelvic drop (deg)" in BATCH_COLUMNS and "time to drop (s)" in BATCH_COLUMNS
    assert right == {"video": "run 1.mp4", "status": "ok", "standing leg": "right",
                     "result": "pelvis dropped (positive)", "pelvic drop (deg)": "5.1",
                     "time to drop (s)": "2.1", "trunk lean (deg)": "-0.0", "problem": "",
                     "how to fix it": ""}
    assert left["pelvic drop (deg)"] == "2.0"
    assert left["time to drop (s)"] == "" and left["trunk lean (deg)"] == ""
    assert all(isinstance(v, str) and v != "None" for row in (right, left)
               for v in row.values())


def test_an_inconclusive_or_compensated_hold_says_so_with_its_problem():
    problem = Problem("too_short", "The hold lasted 1.2 s.", "Hold the foot up for 10 s.")
    result = Result(input="a.mp4", status=Status.OK, holds=(
        _hold(Side.LEFT, Classification.INCONCLUSIVE, None, problems=(problem,)),
        _hold(Side.RIGHT, Classification.NEGATIVE, 0.55, compensated=True),
    ))
    inconclusive, compensated = batch_rows([result])
    assert inconclusive["result"] == "could not be measured (inconclusive)"
    assert inconclusive["pelvic drop (deg)"] == ""
    assert inconclusive["problem"] == "The hold lasted 1.2 s."
    assert inconclusive["how to fix it"] == "Hold the foot up for 10 s."
    assert compensated["result"] == "level pelvis (negative), trunk lean compensated"
    assert compensated["pelvic drop (deg)"] == "0.6"


def test_a_leg_the_protocol_asked_for_but_never_measured_has_a_row_with_the_reason():
    result = Result(input="b.mp4", status=Status.OK,
                    holds=(_hold(Side.RIGHT, Classification.BORDERLINE, 3.25),),
                    missed_holds=(missed_hold(Side.LEFT),))
    measured, missed = batch_rows([result])
    assert measured["standing leg"] == "right" and measured["pelvic drop (deg)"] == "3.2"
    assert missed["video"] == "b.mp4" and missed["status"] == "ok"
    assert missed["standing leg"] == "left" and missed["result"] == "not measured"
    assert missed["pelvic drop (deg)"] == "" and missed["time to drop (s)"] == ""
    assert missed["problem"].startswith("No hold on the LEFT leg was found")
    assert "lift the right foot" in missed["how to fix it"]


def test_a_failed_input_shows_its_message_and_the_fix():
    broken = Result(input="/up/broken.mp4", status=Status.ERROR, error=Failure(
        "bad_input", "broken.mp4 is not a video.", "Export it again as MP4."))
    good = Result(input="good.mp4", status=Status.OK,
                  holds=(_hold(Side.LEFT, Classification.NEGATIVE, 1.04),))
    rows = batch_rows([broken, good])
    assert [r["video"] for r in rows] == ["broken.mp4", "good.mp4"]
    assert rows[0] == {"video": "broken.mp4", "status": "error", "standing leg": "",
                       "result": "not analysed", "pelvic drop (deg)": "",
                       "time to drop (s)": "", "trunk lean (deg)": "",
                       "problem": "broken.mp4 is not a video.",
                       "how to fix it": "Export it again as MP4."}
    assert rows[1]["pelvic drop (deg)"] == "1.0"


# -- History --------------------------------------------------------------------------------

def _session(sid: int, when: str, sides: list[dict]) -> dict:
    return {"id": sid, "recorded_at": when, "input": f"run{sid}.mp4", "source": "upload",
            "sides": sides}


def _side(stance: str, classification: str, drop_deg: float | None) -> dict:
    return {"stance_side": stance, "classification": classification,
            "pelvic_drop_deg": {"median": drop_deg}, "uncertainty_deg": 1.0}


def test_history_rows_show_a_leg_not_measured_with_the_reason_and_one_decimal():
    older = _session(1, "2026-03-01T10:00:00+00:00", [
        _side("left", "positive", 5.04), _side("right", "negative", 1.96666)])
    newer = _session(2, "2026-03-08T10:00:00+00:00", [_side("right", "borderline", 3.0)])
    new_row, old_row = session_rows([older, newer])            # newest first
    assert new_row["video"] == "run2.mp4"
    assert new_row["left leg result"] == "not measured" and new_row["left leg drop (deg)"] == ""
    assert new_row["right leg drop (deg)"] == "3.0"
    assert new_row["right leg result"] == "small drop, within measurement noise (borderline)"
    assert new_row["not measured, why"].startswith("No hold on the LEFT leg was found")
    assert new_row["left - right (deg)"] == "" and new_row["asymmetry beyond the noise"] == ""
    assert old_row["left leg drop (deg)"] == "5.0" and old_row["right leg drop (deg)"] == "2.0"
    assert old_row["left - right (deg)"] == "+3.1"
    assert old_row["asymmetry beyond the noise"] == "yes (noise 2.8 deg)"
    assert old_row["not measured, why"] == ""
    assert all(isinstance(v, str) and v != "None" for row in (new_row, old_row)
               for v in row.values())
    assert [m.stance_side for m in session_missed_holds(newer)] == [Side.LEFT]
    assert session_missed_holds(older) == ()


def test_history_comparison_has_the_records_numbers_per_leg():
    older = _session(1, "2026-03-01T10:00:00+00:00", [
        _side("left", "positive", 6.0), _side("right", "negative", 1.0)])
    newer = _session(2, "2026-03-08T10:00:00+00:00", [_side("right", "negative", 0.44)])
    left, right = comparison_rows(older, newer)
    assert left == {"standing leg": "left", "earlier drop (deg)": 6.0,
                    "later drop (deg)": None, "change (deg)": None,
                    "noise (deg)": round(noise_deg(older["sides"][0], None), 2),
                    "beyond the noise?": ""}
    assert right["change (deg)"] == -0.56 and right["beyond the noise?"] == "no: within the noise"

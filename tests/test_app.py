"""The Streamlit app through ``streamlit.testing.v1.AppTest``, and its plain helpers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED  # PELVIC_SCREEN_SHARED_DIR, else ../shared

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from screening.app.files import safe_name, zip_folder  # noqa: E402
from screening.app.settings import settings_from_env  # noqa: E402
from screening.charts import trend_figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
CLIP = SHARED / "synthetic" / "dev" / "C01.mp4"
# a clip standing on the left leg: the shared dev clip, else the project's own sample
UPLOAD_CLIP = CLIP if CLIP.exists() else ROOT / "sample_videos" / "positive_left_stance.mp4"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    monkeypatch.setenv("PELVIC_SCREEN_DATA_DIR", str(d))
    for name in ("PELVIC_SCREEN_MAX_UPLOAD_MB", "PELVIC_SCREEN_ICE_SERVERS",
                 "PELVIC_SCREEN_LIVE_TIMINGS", "PELVIC_SCREEN_ICE_LOOPBACK",
                 "PELVIC_SCREEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return d


@pytest.fixture(scope="module")
def model():
    from screening.errors import ModelError
    from screening.pose.model import resolve_model

    try:
        return resolve_model()
    except ModelError as exc:
        pytest.skip(f"pose model not installed ({exc.message})")


def app_on(page: str, timeout: float = 180) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params["page"] = page
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [c.value for c in at.caption] + [s.value for s in at.success]
    # markdown emphasis and line breaks do not matter for what a reader sees
    return " ".join(" ".join(str(p) for p in parts).replace("*", "").split())


# -- pages without the model -------------------------------------------------------------

def test_learn_page_has_the_story_the_exercises_and_the_note(data_dir):
    at = app_on("learn")
    body = texts(at)
    assert "gluteus medius" in body
    assert "positive right Trendelenburg" in body
    assert "Clamshell with a mini loop band" in [e.label for e in at.expander]
    assert "Glute bridge with a band" in [e.label for e in at.expander]
    assert "iliopsoas stretch" in body.lower() and "nordic" in body.lower()
    assert "not a diagnosis" in body


def test_every_page_says_that_videos_stay_on_this_machine(data_dir):
    at = app_on("history")
    assert "never leave this machine" in texts(at)
    assert "No results yet" in texts(at)


def test_upload_of_something_that_is_not_a_video_shows_the_error_and_the_fix(data_dir):
    at = app_on("upload")
    at.file_uploader(key="upload_file").set_value(("notes.mp4", b"this is not a video" * 10,
                                                   "video/mp4"))
    at.run()
    assert not at.exception
    assert at.error, "an error message is expected"
    assert "notes.mp4" in at.error[0].value
    assert any("How to fix it" in i.value for i in at.info)
    assert "Traceback" not in texts(at)
    assert _people(data_dir) == []                      # failures are not progress


def test_upload_over_the_size_limit_is_refused_with_a_clear_message(data_dir, monkeypatch):
    monkeypatch.setenv("PELVIC_SCREEN_MAX_UPLOAD_MB", "1")
    at = app_on("upload")
    at.file_uploader(key="upload_file").set_value(("big.mp4", b"\0" * 1_500_000, "video/mp4"))
    at.run()
    assert not at.exception
    assert any("the limit is 1 MB" in e.value for e in at.error)
    assert not at.metric                                   # nothing was analysed


def test_bad_settings_are_reported_not_raised(data_dir, monkeypatch):
    monkeypatch.setenv("PELVIC_SCREEN_ICE_SERVERS", "{not json")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    assert "PELVIC_SCREEN_ICE_SERVERS" in at.error[0].value


# -- flows with the model ---------------------------------------------------------------

def _people(data_dir) -> list[str]:
    from screening.records import close_all, open_records

    try:
        return [p["label"] for p in open_records(data_dir=data_dir).people()]
    finally:
        close_all()


@pytest.mark.model
@pytest.mark.skipif(not UPLOAD_CLIP.exists(), reason=f"needs {UPLOAD_CLIP}")
def test_upload_flow_shows_result_chart_video_and_downloads(data_dir, model):
    at = app_on("upload")
    assert at.selectbox(key="upload_person").options == ["me", "+ New person..."]
    at.selectbox(key="upload_person").set_value("+ New person...").run()
    at.text_input(key="upload_new_person").set_value("Runner <A>")
    at.text_input(key="upload_operator").set_value("Dr Lee")
    at.text_area(key="upload_notes").set_value("knee <script>x</script>")
    at.run()
    at.file_uploader(key="upload_file").set_value(("C01.mp4", UPLOAD_CLIP.read_bytes(),
                                                   "video/mp4"))
    at.run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "Standing on the LEFT leg" in body
    labels = [m.label for m in at.metric]
    assert {"Pelvic drop (median)", "Middle half of the hold", "Time to drop",
            "Hold"} <= set(labels)
    assert "Pelvic drop and trunk lean over time" in body
    assert "3-4 deg" in body                                   # measurement noise stated
    bundle = at.session_state["upload_result"]
    assert bundle.ok and bundle.file("annotated_video") is not None
    out = bundle.out_dir
    for name in ("result.json", "timeseries.csv", "report.html", "report.pdf"):
        assert (out / name).is_file(), name
    page = (out / "report.html").read_text()
    assert "Runner &lt;A&gt;" in page and "Examiner: <b>Dr Lee</b>" in page
    assert "knee &lt;script&gt;x&lt;/script&gt;" in page and "<script>" not in page
    assert not any(p.suffix == ".mp4" and p.name == "C01.mp4" for p in out.parent.iterdir())
    from screening.records import close_all, open_records

    sessions = open_records(data_dir=data_dir).sessions("Runner <A>")
    close_all()
    assert len(sessions) == 1
    assert sessions[0]["source"] == "upload" and sessions[0]["input"] == "C01.mp4"
    assert sessions[0]["sides"][0]["stance_side"] == "left"
    assert sessions[0]["operator"] == "Dr Lee"
    assert sessions[0]["notes"] == "knee <script>x</script>"
    # notes changed afterwards: the record and the report follow, without a new analysis
    at.text_area(key="upload_notes").set_value("barefoot")
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["upload_result"].out_dir == out
    assert "barefoot" in (out / "report.html").read_text()
    sessions = open_records(data_dir=data_dir).sessions("Runner <A>")
    close_all()
    assert len(sessions) == 1 and sessions[0]["notes"] == "barefoot"
    # the history page now shows the trend and the table
    hist = app_on("history")
    assert "No results yet" not in texts(hist)
    assert hist.dataframe
    assert hist.selectbox(key="history_person").value == "Runner <A>"
    (row,) = hist.dataframe[0].value.to_dict("records")     # the clip stands on one leg
    assert row["left leg result"] != "not measured" and row["left leg drop (deg)"] != ""
    assert row["right leg result"] == "not measured" and row["right leg drop (deg)"] == ""
    assert row["not measured, why"].startswith("No hold on the RIGHT leg was found")
    assert any("Latest session: No hold on the RIGHT leg" in w.value for w in hist.warning)


@pytest.mark.model
@pytest.mark.skipif(not UPLOAD_CLIP.exists(), reason=f"needs {UPLOAD_CLIP}")
def test_batch_flow_isolates_a_broken_file_and_zips_everything(data_dir, model):
    at = app_on("batch")
    assert at.selectbox(key="batch_person").value == "me"
    at.file_uploader(key="batch_files").set_value([
        ("C01.mp4", UPLOAD_CLIP.read_bytes(), "video/mp4"),
        ("broken.mp4", b"\x00\x01 not a video", "video/mp4"),
    ])
    at.run()
    at.button(key="batch_run").click()
    at.run()
    assert not at.exception, at.exception
    result = at.session_state["batch_result"]
    rows = result["rows"]
    statuses = {r["video"]: r["status"] for r in rows}
    assert statuses == {"C01.mp4": "ok", "broken.mp4": "error"}
    shown = at.dataframe[0].value.to_dict("records")
    assert shown == rows and "None" not in {v for row in shown for v in row.values()}
    by_leg = {(r["video"], r["standing leg"]): r for r in rows}
    assert by_leg["C01.mp4", "left"]["result"] != "not measured"
    assert by_leg["C01.mp4", "right"]["result"] == "not measured"
    assert by_leg["C01.mp4", "right"]["problem"].startswith("No hold on the RIGHT leg")
    broken = by_leg["broken.mp4", ""]
    assert broken["result"] == "not analysed" and broken["problem"] and broken["how to fix it"]
    assert any("broken.mp4" in e.value for e in at.error)
    with zipfile.ZipFile(io.BytesIO(result["zip"])) as z:
        names = set(z.namelist())
    assert "summary.csv" in names
    assert {"C01/result.json", "C01/timeseries.csv", "C01/report.html", "C01/report.pdf",
            "broken/result.json"} <= names
    assert not any(n.startswith("inputs/") or "/." in n for n in names)
    from screening.records import close_all, open_records

    (session,) = open_records(data_dir=data_dir).sessions("me")   # the good one only
    close_all()
    assert session["source"] == "batch" and session["input"] == "C01.mp4"


# -- helpers ----------------------------------------------------------------------------

def test_settings_defaults_and_overrides(tmp_path):
    s = settings_from_env({})
    assert s.ice_servers == () and s.max_upload_mb == 200 and s.timings.hold_s == 30
    assert s.data_dir.name == "pelvic-screen" and not s.ice_loopback
    s = settings_from_env({
        "PELVIC_SCREEN_ICE_SERVERS": '[{"urls": ["turn:turn.example.org:3478"], '
                                     '"username": "u", "credential": "c"}]',
        "PELVIC_SCREEN_LIVE_TIMINGS": "hold=20", "PELVIC_SCREEN_DATA_DIR": str(tmp_path),
        "PELVIC_SCREEN_ICE_LOOPBACK": "1"}, timings_param="countdown=1")
    assert s.ice_servers[0]["urls"] == ["turn:turn.example.org:3478"]
    assert (s.timings.hold_s, s.timings.countdown_s) == (20, 1)
    assert s.data_dir == tmp_path and s.ice_loopback
    with pytest.raises(ValueError, match="JSON list"):
        settings_from_env({"PELVIC_SCREEN_ICE_SERVERS": '{"urls": "x"}'})
    with pytest.raises(ValueError, match="timings"):
        settings_from_env({"PELVIC_SCREEN_LIVE_TIMINGS": "hold=-1"})


def test_old_json_history_appends_atomically_and_keeps_an_unreadable_file(tmp_path):
    from screening import history
    from screening.results import Result

    path = tmp_path / "h" / "history.json"
    doc = {"status": "ok", "input": "/x/run.mp4", "tests": [{
        "stance_side": "right", "classification": "positive",
        "pelvic_drop_deg": {"median": 5.0, "p25": 4.0, "p75": 6.0, "peak": 7.0},
        "trunk_lean_deg": {"median": 1.0}, "compensated": False, "time_to_drop_s": 3.0,
        "hold_start_s": 2.0, "hold_end_s": 32.0, "hold_duration_s": 30.0}]}
    result = Result.from_document(doc)
    history.append_history(path, history.history_entry(result, source="upload"))
    history.append_history(path, history.history_entry(result, source="webcam"))
    entries, problem = history.load_history(path)
    assert problem is None and [e["source"] for e in entries] == ["upload", "webcam"]
    assert entries[0]["tests"][0]["drop_median_deg"] == 5.0 and entries[0]["video"] == "run.mp4"
    assert not list(path.parent.glob(".*partial"))
    path.write_text("{ half written")
    entries, problem = history.load_history(path)
    assert entries == [] and "could not be read" in problem
    kept = list(path.parent.glob("history.json.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{ half written"
    session = {"recorded_at": "2026-03-01T10:00:00+00:00",
               "thresholds": {"negative_below_deg": 2.0, "positive_from_deg": 4.0},
               "sides": [{"stance_side": "right", "pelvic_drop_deg": {"median": 5.0}}]}
    fig = trend_figure([session])
    assert fig.axes[0].get_ylabel() == "pelvic drop (deg)"
    thresholds = {line.get_ydata()[0] for line in fig.axes[0].lines
                  if line.get_linestyle() in ("--", ":")}
    assert thresholds == {2.0, 4.0}


def test_zip_and_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "result.json").write_text("{}")
    (tmp_path / ".a.partial-1").mkdir()
    (tmp_path / ".a.partial-1" / "x").write_text("x")
    with zipfile.ZipFile(io.BytesIO(zip_folder(tmp_path))) as z:
        assert z.namelist() == ["a/result.json"]
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("my run (1).MOV") == "my_run__1_.MOV"
    assert safe_name("...") == "video.mp4"


@pytest.mark.model
def test_a_built_in_sample_can_be_analysed_without_any_video(data_dir, model):
    """Out of the box: a new user with no video tries a sample (no ../shared needed)."""
    samples = sorted((ROOT / "sample_videos").glob("positive_right_stance.mp4"))
    if not samples:
        pytest.skip("sample_videos/ not present")
    at = app_on("upload")
    at.selectbox(key="sample_choice").set_value(samples[0])
    at.button(key="sample_run").click()
    at.run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "Standing on the RIGHT leg" in body
    assert "positive" in body.lower()
    # the clip has no hold on the left leg: the page says so, and what to do
    assert "Standing on the LEFT leg: not measured" in body
    assert "No hold on the LEFT leg was found" in body
    assert "Clamshell" in body or "clamshell" in body
    assert _people(data_dir) == []                # samples are not the user's progress


@pytest.mark.model
def test_webcam_sessions_are_named_by_date_and_time(data_dir, model):
    pytest.importorskip("streamlit_webrtc")
    at = app_on("webcam")
    name = at.session_state["live_session"].recording_path.name
    assert name.startswith("webcam 20") and name.endswith(".mp4"), name
    assert at.selectbox(key="live_person").value == "me"


# -- the webcam page: following one attempt to start the camera --------------------------

def test_camera_attempt_is_followed_from_start_to_end():
    from screening.app.webcam import follow_camera

    assert follow_camera(None, signalling=False, playing=False, now_s=1.0) is None
    run = follow_camera(None, signalling=True, playing=False, now_s=2.0)    # START
    assert (run.started_s, run.playing_s, run.ended_s) == (2.0, None, None)
    run = follow_camera(run, signalling=False, playing=True, now_s=3.5)     # connected
    assert (run.started_s, run.playing_s, run.ended_s) == (2.0, 3.5, None)
    run = follow_camera(run, signalling=False, playing=True, now_s=9.0)
    assert run.playing_s == 3.5
    run = follow_camera(run, signalling=False, playing=False, now_s=10.0)   # stopped
    assert run.ended_s == 10.0
    assert follow_camera(run, signalling=False, playing=False, now_s=30.0).ended_s == 10.0
    again = follow_camera(run, signalling=True, playing=False, now_s=31.0)  # START again
    assert (again.started_s, again.playing_s, again.ended_s) == (31.0, None, None)


def test_a_camera_that_stops_early_says_how_far_it_got():
    from screening.app.webcam import CameraRun, StreamState, camera_outcome

    no_frames = StreamState(frames=0, last_frame_s=None, error=None)
    frames = StreamState(frames=60, last_frame_s=12.0, error=None)
    never = CameraRun(started_s=0.0, ended_s=14.0)
    assert "did not connect (14 s after START)" in camera_outcome(never, no_frames, 0.0)
    dark = CameraRun(started_s=0.0, playing_s=2.0, ended_s=4.0)
    assert "no picture arrived" in camera_outcome(dark, no_frames, 0.0)
    early = CameraRun(started_s=0.0, playing_s=2.0, ended_s=4.0)
    assert "stopped after 2 s, before the test began" in camera_outcome(early, frames, 0.0)
    assert "after 9 s of recording" in camera_outcome(early, frames, 9.0)

"""The records database (screening.records), its CLI commands and the History page, run
against SQLite and against a real PostgreSQL server (tests/pgserver.py)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, SAMPLES
from sqlalchemy import create_engine, inspect, text

from screening import history
from screening.cli import main as cli
from screening.config import Config
from screening.estimators import uncertainty_deg
from screening.records import (
    SDD_DEG,
    RecordsError,
    asymmetry,
    close_all,
    compare_sessions,
    hide_password,
    migrate,
    open_records,
    record_result,
    side_uncertainty_deg,
)
from screening.records import (
    database_url as resolve_url,
)
from screening.results import Result

SAMPLE = SAMPLES / "both_sides.mp4"


def fake_doc(sha: str, left: float | None = 1.0, right: float | None = 5.0,
             name: str = "clip.mp4", uncertainty: float = 0.3) -> dict:
    """A result document as analyse_video writes it (only what the records read); by
    default measured with the pelvis markers (typical error 0.3 deg)."""
    sides = []
    for stance, drop in (("left", left), ("right", right)):
        if drop is None:
            continue
        cls = "positive" if drop >= 4 else "borderline" if drop >= 2 else "negative"
        sides.append({"stance_side": stance, "lifted_side": "right" if stance == "left"
                      else "left", "tests": [len(sides)], "n_holds": 1, "n_measured": 1,
                      "pelvic_drop_deg": {"median": drop}, "trunk_lean_deg": {"median": 0.4},
                      "evidence": "markers", "uncertainty_deg": uncertainty,
                      "classification": cls, "compensated": False,
                      "weak_side": stance if cls != "negative" else None,
                      "clinical_label": f"{cls} {stance}", "summary": "s", "reasons": ["r"]})
    return {"status": "ok", "input": f"/videos/{name}", "input_sha256": sha.ljust(64, "0"),
            "estimator": "leg", "model": {"sha256": "m" * 64},
            "config": {"negative_below_deg": 2.0, "positive_from_deg": 4.0},
            "versions": {"pelvic-screen": "0.1.0"}, "tests": [], "sides": sides}


def fake_result(*args, **kwargs) -> Result:
    """:func:`fake_doc` as the records get it: read like a result.json."""
    return Result.from_document(fake_doc(*args, **kwargs))


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path, monkeypatch):
    """Never the user's own data folder (its history.json would be imported)."""
    monkeypatch.setenv("PELVIC_SCREEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PELVIC_SCREEN_DATABASE_URL", raising=False)


@pytest.fixture
def env_db(database_url, tmp_path, monkeypatch):
    """The records database in the environment, as the CLI and the app read it."""
    monkeypatch.setenv("PELVIC_SCREEN_DATABASE_URL", database_url)
    monkeypatch.setenv("PELVIC_SCREEN_DATA_DIR", str(tmp_path / "data"))
    return database_url


@pytest.fixture(scope="session")
def analysed_sample(tmp_path_factory):
    """One real analysis of a sample clip (both legs), shared by the tests."""
    from screening.errors import ModelError
    from screening.pose.model import resolve_model

    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is absent")
    try:
        resolve_model()
    except ModelError as exc:
        pytest.skip(f"pose model not installed ({exc.message})")
    out = tmp_path_factory.mktemp("analysed")
    assert cli(["analyze", str(SAMPLE), "--out", str(out), "--no-video", "--quiet"]) == 0
    folder = out / SAMPLE.stem
    return out, folder, json.loads((folder / "result.json").read_text())


# -- settings and safety ------------------------------------------------------------------

def test_urls_map_postgresql_to_psycopg_and_hide_passwords(tmp_path):
    url = resolve_url("postgresql://ann:s3cret@db.example.org:5433/screen")
    assert url.drivername == "postgresql+psycopg" and url.port == 5433
    assert hide_password(url) == "postgresql+psycopg://ann:***@db.example.org:5433/screen"
    assert "s3cret" not in hide_password("postgres://ann:s3cret@h/db")
    default = resolve_url(env={"PELVIC_SCREEN_DATA_DIR": str(tmp_path)})
    assert default.drivername == "sqlite"
    assert default.database == str(tmp_path / "records.sqlite")
    with pytest.raises(RecordsError) as info:
        resolve_url("not a url :// at all")
    assert "PELVIC_SCREEN_DATABASE_URL" in info.value.message


def test_default_database_is_a_sqlite_file_in_wal_mode(tmp_path):
    records = open_records(env={"PELVIC_SCREEN_DATA_DIR": str(tmp_path)})
    try:
        assert records.is_sqlite and not records.shared
        assert (tmp_path / "records.sqlite").is_file()
        with records.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    finally:
        close_all()


def test_unreachable_server_gives_a_clear_error_without_the_password(postgres_server):
    wrong = postgres_server.url("postgres", password="Wr0ng-s3cret")
    with pytest.raises(RecordsError) as info:
        open_records(wrong)
    err = info.value
    assert "Wr0ng-s3cret" not in err.message + err.hint + str(err)
    assert "***" in err.message and "PELVIC_SCREEN_DATABASE_URL" in err.hint
    closed = f"postgresql://u:Wr0ng-s3cret@127.0.0.1:{_closed_port()}/x"
    with pytest.raises(RecordsError) as info:
        open_records(closed)
    assert "Wr0ng-s3cret" not in str(info.value) + info.value.hint
    assert "cannot be reached" in info.value.message


def _closed_port() -> int:
    from pgserver import free_port

    return free_port()


def test_read_only_database_gives_a_clear_error(tmp_path):
    data = tmp_path / "ro"
    records = open_records(env={"PELVIC_SCREEN_DATA_DIR": str(data)})
    records.record(fake_result("a"), person="x", source="cli")
    close_all()
    db = data / "records.sqlite"
    if os.geteuid() != 0:   # file permissions (root ignores them)
        data.chmod(stat.S_IRUSR | stat.S_IXUSR)
        db.chmod(stat.S_IRUSR)
        url = f"sqlite:///{db}"
    else:                   # the same seen by the driver: a read-only open
        url = f"sqlite:///file:{db}?mode=ro&uri=true"
    try:
        with pytest.raises(RecordsError) as info:
            open_records(url).record(fake_result("b"), person="x", source="cli")
        assert "read-only" in info.value.message and "writable" in info.value.hint
    finally:
        data.chmod(stat.S_IRWXU)
        close_all()


# -- schema ---------------------------------------------------------------------------------

def test_schema_upgrades_from_base_to_head_and_back(database_url):
    records = open_records(database_url)
    engine = records.engine
    assert migrate.current_revision(engine) == migrate.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"people", "sessions", "side_results", "history_imports"} <= tables
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from screening.records.models import Base

    with engine.connect() as conn:   # the migrations build exactly the ORM's tables
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    records.record(fake_result("a"), person="Ann", source="cli")
    migrate.downgrade(engine, "base")
    assert "people" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert records.people() == []


def test_json_history_is_imported_once_and_the_file_kept(database_url, tmp_path):
    """The earliest schema: the app's JSON history."""
    path = tmp_path / "data" / "history.json"
    doc = {"status": "ok", "input": "/x/run.mp4", "tests": [
        {"stance_side": "right", "classification": "positive",
         "pelvic_drop_deg": {"median": 5.0, "p25": 4.0, "p75": 6.0, "peak": 7.0},
         "trunk_lean_deg": {"median": 1.0}, "compensated": False, "time_to_drop_s": 3.0,
         "hold_start_s": 2.0, "hold_end_s": 32.0, "hold_duration_s": 30.0},
        {"stance_side": "left", "classification": "negative",
         "pelvic_drop_deg": {"median": 0.5, "p25": 0.2, "p75": 0.9, "peak": 1.5},
         "trunk_lean_deg": {"median": 0.1}, "compensated": False, "time_to_drop_s": None,
         "hold_start_s": 40.0, "hold_end_s": 70.0, "hold_duration_s": 30.0}]}
    result = Result.from_document(doc)
    history.append_history(path, history.history_entry(result, source="upload"))
    history.append_history(path, history.history_entry(result, source="webcam", label="Bo"))
    before = path.read_bytes()
    records = open_records(database_url, data_dir=path.parent)
    assert [p["label"] for p in records.people()] == ["Bo", "me"]
    (ses,) = records.sessions("me")
    assert ses["source"] == "upload" and ses["input"] == "run.mp4"
    right = next(s for s in ses["sides"] if s["stance_side"] == "right")
    assert right["pelvic_drop_deg"] == {"median": 5.0, "p25": 4.0, "p75": 6.0}
    assert right["classification"] == "positive" and right["weak_side"] == "right"
    assert ses["asymmetry"]["difference_deg"] == pytest.approx(-4.5)
    assert path.read_bytes() == before                       # the file is kept as it was
    close_all()
    records = open_records(database_url, data_dir=path.parent)   # not imported twice
    assert len(records.sessions("me")) == 1 and len(records.sessions("Bo")) == 1


# -- recording --------------------------------------------------------------------------------

def test_same_recording_updates_its_session_unless_forced(database_url):
    records = open_records(database_url)
    sid, created = records.record(fake_result("a", 1.0, 5.0), person="Ann", source="cli")
    assert created
    sid2, created = records.record(fake_result("a", 1.5, 5.5), person="Ann", source="cli",
                                   operator="Dr X")
    assert (sid2, created) == (sid, False)
    (ses,) = records.sessions("Ann")
    assert [s["pelvic_drop_deg"]["median"] for s in ses["sides"]] == [1.5, 5.5]
    assert ses["operator"] == "Dr X"
    _, created = records.record(fake_result("a"), person="Ann", source="cli", force=True)
    _, created3 = records.record(fake_result("a"), person="Ann", source="cli", force=True)
    assert created and created3 and len(records.sessions("Ann")) == 3
    records.record(fake_result("a"), person="Bob", source="cli")   # another person: own session
    assert len(records.sessions("Bob")) == 1


def test_record_result_puts_examiner_and_notes_in_the_record_and_the_report(database_url,
                                                                          tmp_path):
    records = open_records(database_url)
    folder = tmp_path / "result"
    folder.mkdir()
    doc = {**fake_doc("e"), "analysed_at": "2026-03-04T09:05:00+00:00"}
    (folder / "result.json").write_text(json.dumps(doc))
    notes = "after the run <script>alert(1)</script>"
    outcome = record_result(folder, person="Ann", source="upload", records=records,
                            operator=" Dr  Lee ", notes=f"  {notes}\n")
    assert outcome.error is None and outcome.created and not outcome.problems
    (ses,) = records.sessions("Ann")
    assert ses["operator"] == "Dr Lee" and ses["notes"] == notes
    page = outcome.reports["report_html"].read_text()
    assert "2026-03-04 09:05" in page and "Examiner: <b>Dr Lee</b>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    # not given: kept; given empty: removed, from the record and the report
    record_result(folder, person="Ann", source="upload", records=records)
    (ses,) = records.sessions("Ann")
    assert ses["operator"] == "Dr Lee" and ses["notes"] == notes
    outcome = record_result(folder, person="Ann", source="upload", records=records,
                            operator=" ", notes="")
    (ses,) = records.sessions("Ann")
    assert ses["operator"] is None and ses["notes"] is None
    page = outcome.reports["report_html"].read_text()
    assert "Examiner" not in page and "Notes:" not in page


def test_organisations_see_only_their_own_people(database_url):
    records = open_records(database_url)
    records.record(fake_result("a"), person="Ann", source="upload", organisation="clinic-a")
    records.record(fake_result("b"), person="Ann", source="upload", organisation="clinic-b")
    records.record(fake_result("c"), person="Cy", source="upload", organisation="clinic-b")
    assert [p["label"] for p in records.people(organisation="clinic-a")] == ["Ann"]
    assert [p["label"] for p in records.people(organisation="clinic-b")] == ["Ann", "Cy"]
    assert records.people() == []
    assert records.sessions("Cy", organisation="clinic-a") is None
    assert records.forget("Cy", organisation="clinic-a") is None
    assert records.forget("Ann", organisation="clinic-a") == 1
    assert len(records.sessions("Ann", organisation="clinic-b")) == 1


WORKER = textwrap.dedent("""
    import json, sys
    from screening.records import open_records
    from screening.results import Result
    url, wid, n, doc = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
    records = open_records(url, data_dir=sys.argv[5])
    for i in range(n):
        records.record(Result.from_document(doc), person="Same", source="batch")
        other = dict(doc, input_sha256=f"{wid}x{i:03d}".ljust(64, "0"))
        records.record(Result.from_document(other), person=f"Diff", source="batch")
""")


def test_two_processes_writing_at_once_lose_nothing_and_double_nothing(database_url,
                                                                       tmp_path):
    n = 12
    doc = json.dumps(fake_doc("same"))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, database_url, str(w), str(n),
                               doc, str(tmp_path / "nodata")], stderr=subprocess.PIPE,
                              text=True) for w in (1, 2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    records = open_records(database_url)
    assert [p["label"] for p in records.people()] == ["Diff", "Same"]
    assert len(records.sessions("Same")) == 1
    assert len(records.sessions("Diff")) == 2 * n
    engine = create_engine(records.engine.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM side_results")).scalar() == 2 * (
            1 + 2 * n)
    engine.dispose()


def test_forget_deletes_the_person_and_every_record(env_db, capsys):
    records = open_records()
    records.record(fake_result("a"), person="Ann", source="cli")
    records.record(fake_result("b"), person="Ann", source="cli")
    records.record(fake_result("c"), person="Bob", source="cli")
    assert cli(["forget", "--person", "Ann"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert len(records.sessions("Ann")) == 2
    assert cli(["forget", "--person", "Ann", "--yes"]) == 0
    assert records.sessions("Ann") is None
    with records.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM side_results")).scalar() == 2
    assert len(records.sessions("Bob")) == 1
    assert cli(["forget", "--person", "Nobody", "--yes"]) == 1


def test_history_lines_say_why_a_leg_was_not_measured():
    from screening.cli.records import describe_session

    ses = {"recorded_at": "2026-11-30T09:15:00+00:00", "input": "take.mp4", "source": "cli",
           "sides": [{"stance_side": "left", "classification": "negative",
                      "pelvic_drop_deg": {"median": 1.04}},
                     {"stance_side": "right", "classification": "inconclusive",
                      "pelvic_drop_deg": {"median": None},
                      "reasons": ["The foot was up for only 0.8 s. Hold it for 10 s."]},
                     {"stance_side": "right", "classification": "inconclusive",
                      "pelvic_drop_deg": {"median": None}}]}
    line = describe_session(ses)
    assert "take.mp4 [cli]: left stance negative (+1.0 deg); " in line
    assert ("right stance inconclusive (not measured: The foot was up for only 0.8 s); "
            in line)
    assert line.endswith("right stance inconclusive (not measured)")
    assert "n/a" not in line


def test_compare_and_asymmetry_use_the_noise_of_both_measurements():
    assert SDD_DEG == 2.8
    # with markers (typical error 0.3 deg each) the noise is the smallest detectable
    # difference of video pelvic drop
    a = {"sides": [{"stance_side": "left", "pelvic_drop_deg": {"median": 1.0},
                    "uncertainty_deg": 0.3},
                   {"stance_side": "right", "pelvic_drop_deg": {"median": 6.0},
                    "uncertainty_deg": 0.3}]}
    b = {"sides": [{"stance_side": "left", "pelvic_drop_deg": {"median": 2.0},
                    "uncertainty_deg": 0.3},
                   {"stance_side": "right", "pelvic_drop_deg": {"median": 2.5},
                    "uncertainty_deg": 0.3}]}
    rows = {r["stance_side"]: r for r in compare_sessions(a, b)}
    assert rows["left"]["difference_deg"] == 1.0 and not rows["left"]["exceeds_noise"]
    assert rows["right"]["difference_deg"] == -3.5 and rows["right"]["exceeds_noise"]
    assert rows["right"]["noise_deg"] == SDD_DEG
    assert asymmetry(a)["exceeds_noise"] and asymmetry(a)["noise_deg"] == SDD_DEG
    # from the camera alone each number carries a larger error: the same change of 3.5 deg
    # is then within the two measurements' errors together
    for ses in (a, b):
        for side in ses["sides"]:
            side["uncertainty_deg"] = 3.0
    rows = {r["stance_side"]: r for r in compare_sessions(a, b)}
    assert rows["right"]["noise_deg"] == pytest.approx(3.0 * 2 ** 0.5, abs=0.01)
    assert not rows["right"]["exceeds_noise"]
    # a result recorded before the field existed gets the default estimator's error
    old = {"stance_side": "left", "pelvic_drop_deg": {"median": 1.0}}
    assert side_uncertainty_deg(old) == uncertainty_deg(Config().measurement.estimator)


# -- with a real result.json ----------------------------------------------------------------

@pytest.mark.model
def test_cli_records_and_history_numbers_equal_result_json(env_db, analysed_sample,
                                                           capsys):
    out, folder, doc = analysed_sample
    assert len(doc["sides"]) == 2
    # analysing the same input again (skipped: already done) records it for the person
    assert cli(["analyze", str(SAMPLE), "--out", str(out), "--no-video", "--person",
                "Runner <1>", "--operator", "Dr Y", "--notes", "shoes <off>"]) == 0
    assert "recorded for Runner <1>" in capsys.readouterr().err
    assert (folder / "report.html").is_file()
    page = (folder / "report.html").read_text()
    assert "Runner &lt;1&gt;" in page and "Examiner: <b>Dr Y</b>" in page
    assert "shoes &lt;off&gt;" in page and doc["analysed_at"][:10] in page
    assert cli(["analyze", str(SAMPLE), "--out", str(out), "--no-video", "--person",
                "Runner <1>"]) == 0                                     # updated, not doubled
    assert "(updated)" in capsys.readouterr().err
    assert cli(["history", "--person", "Runner <1>", "--json"]) == 0
    sessions = json.loads(capsys.readouterr().out)
    assert len(sessions) == 1
    ses = sessions[0]
    assert ses["input"] == SAMPLE.name and ses["recorded_at"]
    assert ses["operator"] == "Dr Y" and ses["input_sha256"] == doc["input_sha256"]
    assert ses["notes"] == "shoes <off>"
    assert len(ses["sides"]) == len(doc["sides"])
    for got, want in zip(ses["sides"], doc["sides"], strict=True):
        assert got["stance_side"] == want["stance_side"]
        assert got["classification"] == want["classification"]
        assert got["pelvic_drop_deg"]["median"] == want["pelvic_drop_deg"]["median"]
        assert got["trunk_lean_deg"]["median"] == want["trunk_lean_deg"]["median"]
        for key in ("weak_side", "compensated", "n_holds", "n_measured", "clinical_label"):
            assert got[key] == want[key], key
    medians = {s["stance_side"]: s["pelvic_drop_deg"]["median"] for s in doc["sides"]}
    assert ses["asymmetry"]["difference_deg"] == pytest.approx(
        medians["left"] - medians["right"], abs=0.011)
    assert cli(["history", "--person", "Runner <1>", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("person,recorded_at") and len(lines) == 1 + len(doc["sides"])
    assert cli(["people", "--json"]) == 0
    people = json.loads(capsys.readouterr().out)
    assert [(p["label"], p["sessions"]) for p in people] == [("Runner <1>", 1)]


@pytest.mark.model
def test_import_of_result_folders_and_person_from_folder(env_db, analysed_sample, tmp_path,
                                                         capsys):
    out, folder, doc = analysed_sample
    assert cli(["import", str(out), "--person", "Cy"]) == 0
    assert "1 result(s) recorded" in capsys.readouterr().out
    assert cli(["import", str(out), "--person", "Cy"]) == 0            # again: updated
    assert "0 result(s) recorded and 1 updated" in capsys.readouterr().out
    records = open_records()
    (ses,) = records.sessions("Cy")
    assert ses["source"] == "import" and ses["output_dir"] == str(folder.resolve())
    assert [s["pelvic_drop_deg"]["median"] for s in ses["sides"]] == [
        s["pelvic_drop_deg"]["median"] for s in doc["sides"]]
    # --person-from-folder: the parent folder names the person
    people_dir = tmp_path / "in" / "Dee"
    people_dir.mkdir(parents=True)
    clip = people_dir / SAMPLE.name
    shutil.copy(SAMPLE, clip)
    out2 = tmp_path / "out2"
    shutil.copytree(folder, out2 / SAMPLE.stem)
    res = out2 / SAMPLE.stem / "result.json"
    res.write_text(res.read_text().replace(json.dumps(str(SAMPLE)), json.dumps(str(clip))))
    assert cli(["analyze", str(tmp_path / "in"), "--out", str(out2), "--no-video",
                "--person-from-folder", "--quiet"]) == 0
    assert len(records.sessions("Dee")) == 1


@pytest.mark.model
def test_database_down_the_analysis_still_finishes_and_can_be_imported(
        analysed_sample, tmp_path, monkeypatch, capsys):
    from pgserver import free_port

    out, folder, doc = analysed_sample
    monkeypatch.setenv("PELVIC_SCREEN_DATABASE_URL",
                       f"postgresql://u:Secr3t-pw@127.0.0.1:{free_port()}/x")
    code = cli(["analyze", str(SAMPLE), "--out", str(out), "--no-video", "--person", "Eve"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Secr3t-pw" not in err and "cannot be reached" in err
    assert "pelvic-screen import" in err and (folder / "result.json").is_file()
    close_all()


def test_record_result_reports_database_problems_instead_of_raising(tmp_path):
    from pgserver import free_port

    records_url = f"postgresql://u:pw@127.0.0.1:{free_port()}/x"
    with pytest.raises(RecordsError):
        open_records(records_url)
    outcome = record_result(fake_result("a"), person="Ann", reports=False,
                            records=_DeadRecords())
    assert outcome.session_id is None and outcome.error is not None


class _DeadRecords:
    def record(self, *args, **kwargs):
        raise RecordsError("down", "start it")


# -- the History page ---------------------------------------------------------------------

def _app(page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["page"] = page
    return at


def _open_page(page: str, records):
    """The app on ``page``; on a shared database signed in to the "local" organisation."""
    at = _app(page)
    at.secrets["pelvic_screen"] = {"passwords": {"tester": "pw-t"},
                                   "organisations": {"tester": "local"}}
    at.run()
    if records.shared:
        at.text_input(key="sign_in_user").input("tester")
        at.text_input(key="sign_in_password").input("pw-t")
        at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_history_page_choose_compare_export_delete(env_db):
    pytest.importorskip("streamlit")
    records = open_records()
    import datetime as dt

    day = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)
    records.record(fake_result("a", 1.0, 6.0, "first.mp4"), person="Runner <b>",
                   source="upload", recorded_at=day)
    records.record(fake_result("b", 1.5, 2.5, "second.mp4"), person="Runner <b>",
                   source="webcam", recorded_at=day + dt.timedelta(days=14))
    records.record(fake_result("c"), person="me", source="upload", recorded_at=day)
    at = _open_page("history", records)
    at.selectbox(key="history_person").set_value("Runner <b>").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare_a").value != at.selectbox(key="compare_b").value
    tables = [d.value for d in at.dataframe]
    sessions_table, compare_table = tables[0], tables[1]
    assert len(sessions_table) == 2
    right = compare_table[compare_table["standing leg"] == "right"].iloc[0]
    assert right["change (deg)"] == pytest.approx(-3.5)
    assert right["noise (deg)"] == pytest.approx(SDD_DEG)
    assert right["beyond the noise?"].startswith("yes")
    left = compare_table[compare_table["standing leg"] == "left"].iloc[0]
    assert left["beyond the noise?"].startswith("no")
    assert any("beyond the noise" in c.value for c in at.caption)   # first visit: 5 deg apart
    downloads = at.get("download_button")
    assert len(downloads) == 2
    assert "<" not in "".join(m.value for m in at.markdown if "Runner" in m.value)
    # delete this person, with confirmation
    assert at.button(key="delete_person").disabled       # until confirmed
    at.checkbox(key="delete_confirm").check().run()
    at.button(key="delete_person").click().run()
    assert not at.exception, at.exception
    assert records.sessions("Runner <b>") is None
    assert [p["label"] for p in records.people()] == ["me"]
    assert any("Deleted" in s.value for s in at.success)


def test_shared_database_requires_sign_in_and_separates_organisations(env_db):
    pytest.importorskip("streamlit")
    records = open_records()
    records.record(fake_result("a"), person="Ann", source="upload", organisation="clinic-a")
    records.record(fake_result("b"), person="Bob", source="upload", organisation="clinic-b")
    records.record(fake_result("c"), person="Loc", source="upload")
    at = _app("history")
    at.secrets["pelvic_screen"] = {"passwords": {"alice": "pw-a", "bob": "pw-b"},
                                   "organisations": {"alice": "clinic-a", "bob": "clinic-b"}}
    at.run()
    assert not at.exception, at.exception
    if records.is_sqlite:   # this machine's own records: no sign-in
        assert not at.text_input and at.selectbox(key="history_person").options == ["Loc"]
        return
    assert [h.value for h in at.header] == ["Sign in"]
    assert not at.selectbox                                   # nothing shown before sign-in
    at.text_input(key="sign_in_user").input("alice")
    at.text_input(key="sign_in_password").input("wrong")
    at.button[0].click().run()
    assert any("Wrong user name or password" in e.value for e in at.error)
    at.text_input(key="sign_in_password").input("pw-a")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="history_person").options == ["Ann"]
    assert "pw-" not in " ".join(c.value for c in at.caption)


def test_shared_database_with_oidc_shows_only_the_sign_in_button(env_db):
    pytest.importorskip("streamlit")
    records = open_records()
    records.record(fake_result("a"), person="Ann", source="upload")
    if records.is_sqlite:
        pytest.skip("sign-in is only asked for on a database server")
    at = _app("history")
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "id",
                          "client_secret": "secret",
                          "server_metadata_url": "https://id.example.org/.well-known/x"}
    at.run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.selectbox and not at.dataframe

"""pelvic-screen in the browser: ``streamlit run app.py``.

A thin shell over :func:`screening.analyze_video`: a guided webcam self-test, one uploaded
video, or a batch; results in plain words with a chart, the annotated video and key
frames; a printable report; the records of people and sessions (screening.records) with
a History page; and a Learn page. Everything runs locally.

Settings (environment variables, all optional; see docs/APP.md):

* ``PELVIC_SCREEN_ICE_SERVERS``  JSON list of WebRTC ICE servers (STUN/TURN) for serving
  the webcam page to other machines; default ``[]`` (this machine only).
* ``PELVIC_SCREEN_LIVE_TIMINGS`` protocol timings, e.g. ``hold=30,baseline=3,countdown=3``
  (also the ``timings`` query parameter).
* ``PELVIC_SCREEN_MAX_UPLOAD_MB`` largest video accepted (default 200).
* ``PELVIC_SCREEN_DATA_DIR``     where the records database lives (default
  ``$XDG_DATA_HOME/pelvic-screen`` or ``~/.local/share/pelvic-screen``).
* ``PELVIC_SCREEN_DATABASE_URL`` another database, e.g. ``postgresql://user@host/db``; a
  database server means several users: the app then asks them to sign in (docs/RECORDS.md).
* ``PELVIC_SCREEN_ICE_LOOPBACK=1`` offer 127.0.0.1 as the only server ICE candidate (for
  tests on a machine with loopback networking only).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import math
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from screening import Config, analyze_video, content
from screening.batch import run_batch, summary_rows
from screening.live import LazyPose, LiveSession, LiveTimings
from screening.progress import Progress
from screening.records import (
    DEFAULT_ORGANISATION,
    SDD_DEG,
    Records,
    RecordsError,
    asymmetry,
    compare_sessions,
    default_data_dir,
    open_records,
    record_result,
    sessions_csv,
    side_uncertainty_deg,
)
from screening.report_html import (
    CLASS_WORDS,
    NOISE_NOTE,
    ResultBundle,
    chart_figure,
    estimator_note,
    key_frames,
    load_bundle,
    repeated_sides,
    result_lines,
    result_title,
    side_line,
    weak_side_text,
)
from screening.video import VIDEO_EXTENSIONS

LOG = logging.getLogger("pelvic_screen.app")
APP_TITLE = "Pelvic drop screening"
PAGES = ("Webcam self-test", "Analyse a video", "Batch", "History", "Learn")
PAGE_SLUGS = {"webcam": 0, "upload": 1, "batch": 2, "history": 3, "learn": 4}
UPLOAD_TYPES = sorted(ext.lstrip(".") for ext in VIDEO_EXTENSIONS)
SAMPLE_DIR = Path(__file__).resolve().parent / "sample_videos"

# ---------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class Settings:
    ice_servers: list
    timings: LiveTimings
    max_upload_mb: int
    data_dir: Path
    ice_loopback: bool


def settings_from_env(env: dict | None = None, timings_param: str | None = None) -> Settings:
    """Read the settings; a bad value raises ValueError naming the variable."""
    env = os.environ if env is None else env
    raw_ice = env.get("PELVIC_SCREEN_ICE_SERVERS", "").strip()
    try:
        ice = json.loads(raw_ice) if raw_ice else []
    except ValueError as exc:
        raise ValueError(f"PELVIC_SCREEN_ICE_SERVERS is not valid JSON: {exc}") from None
    if not isinstance(ice, list):
        raise ValueError("PELVIC_SCREEN_ICE_SERVERS must be a JSON list such as "
                         '[{"urls": ["stun:stun.example.org:3478"]}]')
    try:
        timings = LiveTimings.parse(env.get("PELVIC_SCREEN_LIVE_TIMINGS", ""))
        if timings_param:
            timings = LiveTimings.parse(timings_param, timings)
    except ValueError as exc:
        raise ValueError(f"Protocol timings: {exc}") from None
    try:
        max_mb = int(env.get("PELVIC_SCREEN_MAX_UPLOAD_MB", "200"))
    except ValueError:
        raise ValueError("PELVIC_SCREEN_MAX_UPLOAD_MB must be a whole number of megabytes"
                         ) from None
    return Settings(ice, timings, max_mb, default_data_dir(env),
                    env.get("PELVIC_SCREEN_ICE_LOOPBACK", "") == "1")


def offer_loopback_candidates_only() -> None:
    """Make the WebRTC server offer 127.0.0.1 as its only ICE host candidate.

    The ICE library leaves the loopback address out; on a machine (or a test) with only
    loopback networking the webcam stream could then never connect.
    """
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


# ---------------------------------------------------------------------------------------
# records: screening.records (people, sessions, one verdict per tested leg)


@dataclass(frozen=True)
class Account:
    """Who is using the app: the records database and the organisation they see."""

    records: Records | None
    organisation: str = DEFAULT_ORGANISATION
    user: str = ""
    problem: RecordsError | None = None


def _secrets() -> dict:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # no secrets file: nothing configured
        return {}


def check_password(accounts: dict, user: str, password: str) -> bool:
    import hmac

    expected = accounts.get(user)
    return expected is not None and hmac.compare_digest(str(expected).encode(),
                                                        str(password).encode())


def sign_in(records: Records) -> Account | None:
    """A database server is shared: every user signs in and sees their organisation only.

    OIDC (``st.login``) when ``[auth]`` is in the secrets, else the passwords of
    ``[pelvic_screen] passwords``; ``[pelvic_screen] organisations`` maps each account (user
    name or e-mail) to its organisation. None: not signed in (the page says how)."""
    secrets = _secrets()
    conf = dict(secrets.get("pelvic_screen") or {})
    organisations = dict(conf.get("organisations") or {})
    if secrets.get("auth"):
        if not st.user.get("is_logged_in", False):
            st.header("Sign in")
            st.write("These records are shared: sign in to see your organisation's people.")
            st.button("Sign in", on_click=st.login, key="oidc_login")
            return None
        user = str(st.user.get("email") or st.user.get("name") or "")
        st.sidebar.button("Sign out", on_click=st.logout, key="oidc_logout")
    elif conf.get("passwords"):
        user = st.session_state.get("signed_in_user", "")
        if not user:
            st.header("Sign in")
            st.write("These records are shared: sign in to see your organisation's people.")
            with st.form("sign_in"):
                name = st.text_input("User", key="sign_in_user")
                password = st.text_input("Password", type="password", key="sign_in_password")
                submitted = st.form_submit_button("Sign in")
            if submitted:
                if check_password(dict(conf["passwords"]), name, password):
                    st.session_state["signed_in_user"] = name
                    st.rerun()
                st.error("Wrong user name or password.")
            return None
        if st.sidebar.button("Sign out", key="password_logout"):
            st.session_state.pop("signed_in_user", None)
            st.rerun()
    else:
        st.error("These records are in a shared database, but no sign-in is configured.")
        st.info("**How to fix it:** add `[auth]` (OpenID Connect) or `[pelvic_screen] "
                "passwords` and `organisations` to `.streamlit/secrets.toml` "
                "(docs/RECORDS.md), or unset PELVIC_SCREEN_DATABASE_URL to use this "
                "machine's own records.")
        return None
    organisation = organisations.get(user)
    if not organisation:
        st.error("Your account has no organisation, so it cannot see any records.")
        st.info("**How to fix it:** ask the administrator to add it to `[pelvic_screen] "
                "organisations` in the app's secrets.")
        return None
    st.sidebar.caption(f"Signed in as {md_escape(user)} ({md_escape(str(organisation))})")
    return Account(records, str(organisation), user)


def get_account(settings: Settings) -> Account | None:
    """The records and, for a shared database, the signed-in user (None: not signed in)."""
    try:
        records = open_records(data_dir=settings.data_dir)
    except RecordsError as exc:
        return Account(None, problem=exc)
    if records.shared:
        return sign_in(records)
    return Account(records)


def md_escape(text: str) -> str:
    """User text for st.markdown: markdown and HTML characters shown as typed."""
    import html
    import re

    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>$:])", r"\\\1",
                  html.escape(str(text), quote=False))


NEW_PERSON = "+ New person..."
DEFAULT_PERSON = "me"


def choose_person(account: Account, key: str) -> str | None:
    """Pick the person tested (or name a new one). Default: a single local person "me"."""
    if account.records is None:
        st.warning(f"Results will not be recorded: {account.problem.message}")
        return None
    try:
        people = [p["label"] for p in account.records.people(organisation=account.organisation)]
    except RecordsError as exc:
        st.warning(f"Results will not be recorded: {exc.message}")
        return None
    if not people and account.organisation == DEFAULT_ORGANISATION:
        people = [DEFAULT_PERSON]
    options = people + [NEW_PERSON]
    chosen = st.selectbox("Person tested", options, key=f"{key}_person",
                          help="Results are recorded for this person (History page).")
    if chosen == NEW_PERSON:
        name = " ".join(st.text_input("New person (a name or a pseudonymous id)",
                                      key=f"{key}_new_person", max_chars=200).split())
        if not name:
            st.caption("Type a name or an id: without one the result is not recorded.")
        return name or None
    return chosen


def session_details(key: str) -> tuple[str, str]:
    """The optional examiner and notes of the analysis (the record and the printable
    report), as typed ("" when empty: the session has none)."""
    cols = st.columns([1, 2])
    operator = cols[0].text_input("Examiner", key=f"{key}_operator", max_chars=200,
                                  help="Who runs the test (optional). Printed on the report "
                                  "and stored with the session.")
    notes = cols[1].text_area("Notes", key=f"{key}_notes", max_chars=2000, height=68,
                              help="Optional, e.g. shoes, pain, the side of an injury. "
                              "Printed on the report and stored with the session.")
    return operator or "", notes or ""


def trend_figure(sessions: list[dict]):
    """Median pelvic drop per stance side over time, each with its own uncertainty (the
    typical error of what it rests on: markers or the landmarks alone) as a band and error
    bars, and the threshold lines of the latest session."""
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    colours = {"left": "#2471a3", "right": "#ca6f1e"}
    times = []
    for side in ("left", "right"):
        xs, ys, us = [], [], []
        for ses in sessions:
            for entry in ses["sides"]:
                drop = (entry.get("pelvic_drop_deg") or {}).get("median")
                if entry["stance_side"] == side and drop is not None:
                    xs.append(dt.datetime.fromisoformat(ses["recorded_at"]))
                    ys.append(drop)
                    us.append(side_uncertainty_deg(entry))
        times += xs
        if xs:
            lo = [y - u for y, u in zip(ys, us, strict=True)]
            hi = [y + u for y, u in zip(ys, us, strict=True)]
            ax.fill_between(xs, lo, hi, color=colours[side], alpha=0.15, lw=0)
            ax.errorbar(xs, ys, yerr=us, fmt="none", ecolor=colours[side],
                        alpha=0.6, capsize=3)   # visible with a single session too
            ax.plot(xs, ys, marker="o", color=colours[side],
                    label=f"standing on {side} leg")
    th = sessions[-1]["thresholds"] if sessions else {"negative_below_deg": 2.0,
                                                      "positive_from_deg": 4.0}
    ax.axhline(th["positive_from_deg"], color="#c0392b", ls="--", lw=1,
               label=f"positive from {th['positive_from_deg']:g} deg")
    ax.axhline(th["negative_below_deg"], color="#c98a00", ls=":", lw=1,
               label=f"level below {th['negative_below_deg']:g} deg")
    ax.set_ylabel("pelvic drop (deg)")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    if times:
        span = max(times) - min(times)
        pad = max(span * 0.08, dt.timedelta(hours=12))
        ax.set_xlim(min(times) - pad, max(times) + pad)
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return fig


def session_title(ses: dict) -> str:
    when = dt.datetime.fromisoformat(ses["recorded_at"]).astimezone()
    return f"{when:%Y-%m-%d %H:%M} · {ses['input']} ({ses['source']})"


def session_rows(sessions: list[dict]) -> list[dict]:
    """One row per session (one visit): both legs and their asymmetry."""
    rows = []
    for ses in reversed(sessions):
        row = {"date": session_title(ses).split(" · ")[0], "video": ses["input"],
               "source": ses["source"]}
        for side in ("left", "right"):
            entry = next((e for e in ses["sides"] if e["stance_side"] == side), None)
            drop = None if entry is None else entry["pelvic_drop_deg"]["median"]
            row[f"{side} leg drop (deg)"] = drop
            row[f"{side} leg result"] = "" if entry is None else CLASS_WORDS.get(
                entry["classification"], entry["classification"])
        asym = asymmetry(ses)
        row["left - right (deg)"] = None if asym is None else asym["difference_deg"]
        row["asymmetry beyond the noise"] = (
            "" if asym is None else
            f"{'yes' if asym['exceeds_noise'] else 'no'} (noise {asym['noise_deg']:g} deg)")
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------
# analysis (the one library call) and packaging


def analyse_file(path: str | Path, out_dir: Path, *, source: str, person: str | None = None,
                 account: Account | None = None, progress=None,
                 config: Config = Config(), operator: str | None = None,
                 notes: str | None = None) -> ResultBundle:
    """Analyse one video with :func:`screening.analyze_video` into ``out_dir``, then
    :func:`screening.records.record_result` (printable report; the record for ``person``;
    both with the examiner and the notes) and load it for display."""
    result = analyze_video(path, config=config, out_dir=out_dir, progress=progress)
    return finish_output(out_dir, result.to_dict(), source=source, person=person,
                         account=account, operator=operator, notes=notes)


def finish_output(out_dir: Path, doc: dict, *, source: str, person: str | None,
                  account: Account | None, operator: str | None = None,
                  notes: str | None = None) -> ResultBundle:
    """Add the printable report and the record to a written result folder."""
    bundle = load_bundle(out_dir)
    problems = []
    if doc.get("status") == "ok":
        records = account.records if account is not None else None
        if person is not None and records is None:
            problems.append("The result was not recorded: the records database is not "
                            "available. " + (account.problem.one_line()
                                             if account and account.problem else ""))
            person = None
        outcome = record_result(doc, out_dir=out_dir, person=person, source=source,
                                records=records, bundle=bundle, operator=operator,
                                notes=notes,
                                organisation=account.organisation if account
                                else DEFAULT_ORGANISATION)
        problems += outcome.problems
        if outcome.error is not None:
            problems.append(f"The result was not recorded: {outcome.error.one_line()}")
    bundle.doc.setdefault("app_problems", problems)
    return bundle


def zip_folder(folder: Path) -> bytes:
    """Every file under ``folder`` (hidden staging files left out) as one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            rel = f.relative_to(folder)
            if f.is_file() and not any(part.startswith(".") for part in rel.parts):
                z.write(f, rel.as_posix())
    return buf.getvalue()


def safe_name(name: str) -> str:
    """A file name from an upload, without folders or odd characters."""
    base = Path(name).name
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in base).lstrip(".")
    return cleaned or "video.mp4"


def new_workdir(key: str) -> Path:
    """A fresh temporary folder for this browser session, replacing (and deleting) the
    previous one under the same key."""
    old = st.session_state.get(key)
    if old is not None:
        old.cleanup()
    tmp = tempfile.TemporaryDirectory(prefix="pelvic-screen-")
    st.session_state[key] = tmp
    return Path(tmp.name)


# ---------------------------------------------------------------------------------------
# showing results


def show_error(doc: dict) -> None:
    err = doc.get("error") or {}
    st.error(f"**{Path(str(doc.get('input', 'The video'))).name}:** "
             f"{err.get('message', 'The video could not be analysed.')}")
    if err.get("hint"):
        st.info(f"**How to fix it:** {err['hint']}")


def show_bundle(bundle: ResultBundle, *, key: str, show_learn: bool = True) -> None:
    """Everything about one analysed video."""
    doc = bundle.doc
    if not bundle.ok:
        show_error(doc)
        return
    for problem in doc.get("app_problems") or []:
        st.warning(problem)
    thresholds = bundle.thresholds()
    any_weak = False
    several = len(bundle.tests) > 1
    repeated = repeated_sides(doc)
    if repeated:
        st.markdown("#### Per leg, all holds together")
        for side in repeated:
            st.markdown(f"- {side_line(side)} {side.get('summary', '')}")
    for k, test in enumerate(bundle.tests):
        number = f"Test {k + 1}: " if several else ""
        colour = {"negative": "green", "borderline": "orange", "positive": "red"}.get(
            test["classification"], "gray")
        st.markdown(f"#### {number}{result_title(test)}: "
                    f":{colour}[{CLASS_WORDS[test['classification']]}]")
        drop = test.get("pelvic_drop_deg") or {}
        if test["classification"] != "inconclusive":
            cols = st.columns(4)
            cols[0].metric("Pelvic drop (median)", _deg(drop.get("median")),
                           help="Positive: the lifted-leg side of the pelvis is lower than "
                                "when standing on both legs.")
            cols[1].metric("Middle half of the hold",
                           f"{_num(drop.get('p25'))} to {_num(drop.get('p75'))}°",
                           help="25th to 75th percentile of the drop over the hold, in "
                                "degrees.")
            cols[2].metric("Time to drop", "not reached" if test.get("time_to_drop_s") is None
                           else f"{test['time_to_drop_s']:.1f} s")
            cols[3].metric("Hold", f"{test['hold_duration_s']:.1f} s")
        weak = weak_side_text(test)
        if weak:  # names the side as clinicians do and explains it
            any_weak = True
            st.markdown(f"**{weak}**")
        else:
            st.write(test.get("summary", ""))
        with st.expander("Details and numbers", expanded=False):
            for line in result_lines(test, thresholds):
                st.markdown(f"- {line}")
            for reason in test.get("reasons") or []:
                st.markdown(f"- {reason}")
            for problem in test.get("problems") or []:
                st.markdown(f"- {problem['message']} *How to fix it:* {problem['hint']}")
    st.caption(f"{NOISE_NOTE} {estimator_note(doc.get('estimator', ''))}")
    for warning in doc.get("warnings") or []:
        st.caption(f"Note: {warning}")

    if bundle.timeseries:
        st.markdown("##### Pelvic drop and trunk lean over time")
        st.pyplot(chart_figure(bundle), clear_figure=False)
    video = bundle.file("annotated_video")
    left, right = st.columns([3, 2])
    if video is not None:
        with left:
            st.markdown("##### Annotated video")
            st.video(str(video))
    with right:
        for k in range(len(bundle.tests)):
            frames = key_frames(bundle, k)
            if frames:
                number = f", test {k + 1}" if len(bundle.tests) > 1 else ""
                st.markdown(f"##### Key frames{number}: standing on the "
                            f"{bundle.tests[k]['stance_side']} leg")
                cols = st.columns(len(frames))
                for col, frame in zip(cols, frames, strict=True):
                    col.image(frame.rgb, caption=frame.label)
    show_downloads(bundle, key=key)
    if any_weak and show_learn:
        st.markdown("---")
        st.markdown("### What you can do")
        show_exercises(group="hip abductors", expanded=False)
        st.info("More about the hip abductors, the other common causes of hip pain in runners "
                "and when to see a clinician: open **Learn** in the sidebar.")
    st.caption(content.markdown("disclaimer"))


def show_downloads(bundle: ResultBundle, *, key: str) -> None:
    names = [("report_pdf", "report.pdf", "Printable report (PDF)", "application/pdf"),
             ("report_html", "report.html", "Printable report (HTML)", "text/html"),
             ("result", "result.json", "Result (JSON)", "application/json"),
             ("timeseries", "timeseries.csv", "Time series (CSV)", "text/csv")]
    if bundle.out_dir is None:
        return
    st.markdown("##### Downloads")
    cols = st.columns(len(names))
    stem = Path(bundle.name).stem
    for col, (_, filename, label, mime) in zip(cols, names, strict=True):
        path = bundle.out_dir / filename
        if path.is_file():
            col.download_button(label, path.read_bytes(), file_name=f"{stem}-{filename}",
                                mime=mime, key=f"{key}-{filename}")


def show_exercises(group: str | None = None, *, expanded: bool = False) -> None:
    for ex in content.exercises(group):
        with st.expander(ex.name, expanded=expanded):
            st.markdown(f"*{ex.goal}*")
            st.markdown(f"**Position.** {' '.join(ex.position.split())}")
            st.markdown(f"**Sets and reps.** {ex.dose}")
            st.markdown("**Cues**\n" + "\n".join(f"- {c}" for c in ex.cues))
            st.markdown("**Common mistakes**\n" + "\n".join(f"- {m}" for m in ex.mistakes))
            st.markdown(f"**Progress when:** {ex.progress_when}")
            if ex.easier:
                st.markdown(f"**Easier:** {ex.easier}")


def _num(value) -> str:
    return "n/a" if value is None or not math.isfinite(float(value)) else f"{float(value):.1f}"


def _deg(value) -> str:
    return "n/a" if value is None else f"{_num(value)}°"


# ---------------------------------------------------------------------------------------
# pages


def file_uploader(label: str, *, max_mb: int, **kwargs):
    """``st.file_uploader`` with our size limit where this Streamlit supports one per widget
    (the app checks the size itself as well)."""
    import inspect

    if "max_upload_size" in inspect.signature(st.file_uploader).parameters:
        kwargs["max_upload_size"] = max_mb
    return st.file_uploader(label, **kwargs)


@st.cache_data(show_spinner=False)
def marker_sheet_pdf(paper: str) -> bytes:
    from screening.markers.sheet import marker_sheet_bytes

    return marker_sheet_bytes(paper)


def show_marker_sheet(*, key: str) -> None:
    """Where the printed pelvis markers go, and the sheet to print."""
    with st.expander("Printed pelvis markers (optional, most reliable)"):
        st.markdown(content.markdown("markers"))
        paper = st.radio("Paper", ("A4", "letter"), horizontal=True, key=f"{key}_paper")
        st.download_button("Download the marker sheet (PDF)", marker_sheet_pdf(paper),
                           file_name=f"pelvic-screen-markers-{paper.lower()}.pdf",
                           mime="application/pdf", key=f"{key}_sheet")


def page_upload(settings: Settings, account: Account) -> None:
    st.header("Analyse a video")
    st.markdown(content.markdown("howto"))
    show_marker_sheet(key="upload_markers")
    label = choose_person(account, "upload")
    operator, notes = session_details("upload")
    uploaded = file_uploader("A video of the single-leg stance test", type=UPLOAD_TYPES,
                             key="upload_file", max_mb=settings.max_upload_mb)
    if uploaded is not None:
        token = f"{uploaded.file_id}:{label}:{account.organisation}"
        if st.session_state.get("upload_token") != token:
            size_mb = uploaded.size / 1e6
            if size_mb > settings.max_upload_mb:
                st.error(f"**{uploaded.name}** is {size_mb:.0f} MB; the limit is "
                         f"{settings.max_upload_mb} MB.")
                st.info("**How to fix it:** cut the video to the test itself (a minute is "
                        "plenty) or export it at 1080p or lower.")
                return
            work = new_workdir("upload_tmp")
            src = work / safe_name(uploaded.name)
            src.write_bytes(uploaded.getbuffer())
            st.session_state["upload_result"] = run_with_progress(
                src, work / "result", source="upload", person=label, account=account,
                operator=operator, notes=notes)
            src.unlink(missing_ok=True)  # the input is not kept; outputs stay until replaced
            st.session_state["upload_token"] = token
            st.session_state["upload_details"] = (operator, notes)
        elif st.session_state.get("upload_details") != (operator, notes):
            # the examiner or the notes changed after the analysis: the record and the
            # report are updated, the video is not analysed again
            bundle = st.session_state.get("upload_result")
            if bundle is not None and bundle.out_dir is not None and bundle.ok:
                st.session_state["upload_result"] = finish_output(
                    bundle.out_dir, bundle.doc, source="upload", person=label,
                    account=account, operator=operator, notes=notes)
            st.session_state["upload_details"] = (operator, notes)
    samples = sorted(SAMPLE_DIR.glob("*.mp4"))
    if samples:
        with st.expander("No video at hand? Try a sample", expanded=uploaded is None):
            st.caption("Rendered people doing the test, with a known pelvic drop "
                       "(sample_videos/README.md). Samples are not recorded.")
            choice = st.selectbox("Sample video", samples, key="sample_choice",
                                  format_func=lambda p: p.stem.replace("_", " "))
            if st.button("Analyse this sample", key="sample_run"):
                st.session_state["upload_result"] = run_with_progress(
                    choice, new_workdir("upload_tmp") / "result", source="sample",
                    person=None, account=account, operator=operator, notes=notes)
                st.session_state["upload_token"] = None
    bundle = st.session_state.get("upload_result")
    if bundle is not None:
        show_bundle(bundle, key="upload")


def run_with_progress(src: Path, out_dir: Path, *, source: str, person: str | None,
                      account: Account, operator: str | None = None,
                      notes: str | None = None) -> ResultBundle:
    bar = st.progress(0.0, text="Starting...")
    try:
        bundle = analyse_file(src, out_dir, source=source, person=person, account=account,
                              progress=bar_progress(bar, "Analysing: "), operator=operator,
                              notes=notes)
    finally:
        bar.empty()
    return bundle


def bar_progress(bar, prefix: str = "") -> Progress:
    """A :class:`screening.progress.Progress` shown on a Streamlit progress bar."""
    def report(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=prefix + message)

    return report


def page_batch(settings: Settings, account: Account) -> None:
    st.header("Batch: several videos")
    st.write("Each video is analysed on its own; one failure does not stop the others.")
    label = choose_person(account, "batch")
    files = file_uploader("Videos", type=UPLOAD_TYPES, accept_multiple_files=True,
                          key="batch_files", max_mb=settings.max_upload_mb)
    too_big = [f for f in files or [] if f.size / 1e6 > settings.max_upload_mb]
    for f in too_big:
        st.error(f"**{f.name}** is {f.size / 1e6:.0f} MB; the limit is "
                 f"{settings.max_upload_mb} MB. It will be left out.")
    usable = [f for f in files or [] if f not in too_big]
    if st.button("Analyse all", disabled=not usable, key="batch_run"):
        work = new_workdir("batch_tmp")
        inputs_dir, out_root = work / "inputs", work / "results"
        inputs_dir.mkdir()
        inputs = []
        for f in usable:
            target = inputs_dir / safe_name(f.name)
            stem, n = target.stem, 1
            while target.exists():
                n += 1
                target = inputs_dir / f"{stem}-{n}{target.suffix}"
            target.write_bytes(f.getbuffer())
            inputs.append(target)
        bar = st.progress(0.0, text=f"0 of {len(inputs)} videos analysed")
        outcomes = run_batch(inputs, out_root, progress=bar_progress(bar))
        bar.empty()
        bundles = [finish_output(o.out_dir, o.document, source="batch", person=label,
                                 account=account) for o in outcomes]
        shutil.rmtree(inputs_dir, ignore_errors=True)
        st.session_state["batch_result"] = {
            "rows": summary_rows(outcomes), "bundles": bundles,
            "zip": zip_folder(out_root)}
    result = st.session_state.get("batch_result")
    if result is None:
        return
    st.subheader("Summary")
    table = []
    for row in result["rows"]:
        table.append({
            "video": Path(row["input"]).name, "status": row["status"],
            "standing leg": row.get("stance_side", ""),
            "result": CLASS_WORDS.get(row.get("classification", ""), ""),
            "pelvic drop (deg)": row.get("pelvic_drop_median_deg"),
            "time to drop (s)": row.get("time_to_drop_s"),
            "problem": row.get("error_message", ""),
        })
    st.dataframe(table, hide_index=True, width="stretch")
    st.download_button("Download everything (zip: JSON, CSV, reports, videos)", result["zip"],
                       file_name="pelvic-screen-results.zip", mime="application/zip",
                       key="batch_zip")
    for i, bundle in enumerate(result["bundles"]):
        icon = ":material/check_circle:" if bundle.ok else ":material/error:"
        with st.expander(bundle.name, expanded=not bundle.ok, icon=icon):
            show_bundle(bundle, key=f"batch-{i}", show_learn=False)


def page_history(settings: Settings, account: Account) -> None:
    st.header("History")
    records = account.records
    if records is None:
        st.error(account.problem.message)
        st.info(f"**How to fix it:** {account.problem.hint}")
        return
    for warning in records.warnings:
        st.warning(warning)
    where = ("on this computer, in " + records.safe_url.removeprefix("sqlite:///")
             if records.is_sqlite else "in the shared database " + records.safe_url)
    people = [p["label"] for p in records.people(organisation=account.organisation)]
    if st.session_state.get("history_deleted"):
        st.success(f"Deleted {md_escape(st.session_state.pop('history_deleted'))}.")
    if not people:
        st.info("No results yet. Every analysis you run is recorded here for the person you "
                f"choose, so you can follow the progress. (Stored {where}.)")
        return
    person = st.selectbox("Person", people, key="history_person")
    sessions = records.sessions(person, organisation=account.organisation) or []
    if not sessions:
        st.info("No sessions recorded for this person yet.")
    else:
        st.markdown("##### Pelvic drop per standing leg over time")
        st.pyplot(trend_figure(sessions), clear_figure=False)
        st.caption("The band around each point is that measurement's typical error on clips "
                   "with a known drop: small with the printed pelvis markers, several degrees "
                   "from the camera alone. A change is beyond the noise when it is larger "
                   f"than {SDD_DEG:g} deg (the smallest detectable difference of video pelvic "
                   "drop, Dingenen 2018) and than the two measurements' errors together.")
        st.markdown("##### Sessions")
        st.dataframe(session_rows(sessions), hide_index=True, width="stretch")
        show_comparison(sessions)
        st.markdown("##### Export")
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in person) or "person"
        cols = st.columns(2)
        cols[0].download_button("Download (CSV)", sessions_csv(sessions),
                                file_name=f"pelvic-screen-{stem}.csv", mime="text/csv",
                                key="export_csv")
        cols[1].download_button("Download (JSON)", json.dumps(sessions, indent=1),
                                file_name=f"pelvic-screen-{stem}.json",
                                mime="application/json", key="export_json")
    st.caption(f"Stored {where}. No video is stored, only the numbers and verdicts.")
    with st.expander("Delete this person"):
        st.write("Deletes this person and every recorded session and result of theirs. "
                 "This cannot be undone. (Result folders and reports already downloaded are "
                 "not touched.)")
        sure = st.checkbox("Yes, delete this person and all their records",
                           key="delete_confirm")
        if st.button("Delete this person", key="delete_person", disabled=not sure,
                     type="primary"):
            n = records.forget(person, organisation=account.organisation)
            st.session_state.pop("history_person", None)
            st.session_state.pop("delete_confirm", None)
            st.session_state["history_deleted"] = f"{person} ({n or 0} session(s))"
            st.rerun()


def show_comparison(sessions: list[dict]) -> None:
    """Two sessions side by side: the change per leg and whether it exceeds the noise."""
    if len(sessions) < 2:
        return
    st.markdown("##### Compare two sessions")
    titles = {ses["id"]: session_title(ses) for ses in sessions}
    ids = [ses["id"] for ses in sessions]
    cols = st.columns(2)
    first = cols[0].selectbox("Earlier", ids, index=len(ids) - 2, key="compare_a",
                              format_func=titles.get)
    second = cols[1].selectbox("Later", ids, index=len(ids) - 1, key="compare_b",
                               format_func=titles.get)
    a = next(ses for ses in sessions if ses["id"] == first)
    b = next(ses for ses in sessions if ses["id"] == second)
    rows = []
    for row in compare_sessions(a, b):
        verdict = ("" if row["exceeds_noise"] is None else
                   "yes: a real change" if row["exceeds_noise"] else "no: within the noise")
        rows.append({"standing leg": row["stance_side"],
                     "earlier drop (deg)": row["before_deg"],
                     "later drop (deg)": row["after_deg"],
                     "change (deg)": row["difference_deg"],
                     "noise (deg)": row["noise_deg"],
                     "beyond the noise?": verdict})
    st.dataframe(rows, hide_index=True, width="stretch")
    for label, ses in (("Earlier", a), ("Later", b)):
        asym = asymmetry(ses)
        if asym is not None:
            st.caption(f"{label}: left minus right {asym['difference_deg']:+.1f} deg, "
                       + ("beyond" if asym["exceeds_noise"] else "within")
                       + f" the noise ({asym['noise_deg']:g} deg).")


def page_learn() -> None:
    st.header("Learn: the hip abductors and the mirror test")
    st.markdown(content.markdown("learn"))
    st.markdown("### First exercises")
    guide = content.guidance()
    st.markdown(" ".join(guide["start"].split()))
    show_exercises("hip abductors", expanded=True)
    st.markdown("**When to progress.** " + " ".join(guide["progress"].split()))
    st.markdown("**When to see a clinician.** " + " ".join(guide["clinician"].split()))
    st.markdown("---")
    st.markdown(content.markdown("other_causes"))
    show_exercises("hip flexor")
    show_exercises("hamstring")
    st.markdown("---")
    st.warning(content.markdown("disclaimer"))


def page_webcam(settings: Settings, account: Account) -> None:
    st.header("Webcam self-test")
    st.markdown("The app guides you through the test: stand back until your whole body is in "
                "the picture, press **START**, and follow the instructions on the video. "
                "The recording is then analysed like an uploaded video.")
    show_marker_sheet(key="live_markers")
    try:
        from streamlit_webrtc import WebRtcMode, webrtc_streamer
    except ImportError:
        st.error("The webcam needs the streamlit-webrtc package.")
        st.info("**How to fix it:** `pip install -e '.[app]'`")
        return
    timings = settings.timings
    hold_s = st.number_input("Hold time per leg (seconds)", min_value=5, max_value=60,
                             value=int(round(timings.hold_s)) if timings.hold_s >= 5 else 5,
                             step=5, key="live_hold", disabled=timings.hold_s < 5,
                             help="30 s is the standard test.")
    if timings.hold_s >= 5:
        timings = LiveTimings.parse(f"hold={hold_s}", timings)
    label = choose_person(account, "live")
    operator, notes = session_details("live")

    live: LiveSession | None = st.session_state.get("live_session")
    if live is None or st.session_state.get("live_timings") != timings:
        if live is not None:
            live.finish()
        work = new_workdir("live_tmp")
        # a session is named by its date and time
        name = f"webcam {dt.datetime.now():%Y-%m-%d %H.%M.%S}.mp4"
        live = LiveSession(LazyPose(_make_live_pose), work / name, timings=timings)
        st.session_state["live_session"] = live
        st.session_state["live_timings"] = timings
        st.session_state.pop("live_result", None)
        st.session_state.pop("live_stop", None)

    def callback(frame):
        import av

        rgb = frame.to_ndarray(format="rgb24")
        t_s = float(frame.time) if frame.time is not None else time.monotonic()
        return av.VideoFrame.from_ndarray(live.process(rgb, t_s), format="rgb24")

    camera_col, status_col = st.columns([3, 2])
    with camera_col:
        ctx = webrtc_streamer(key="pelvic-live", mode=WebRtcMode.SENDRECV,
                              rtc_configuration={"iceServers": settings.ice_servers},
                              media_stream_constraints={"video": True, "audio": False},
                              video_frame_callback=callback, async_processing=True,
                              # the camera is switched off once the protocol is done
                              desired_playing_state=False if st.session_state.get(
                                  "live_stop") else None)
    with status_col:
        status_box = st.empty()
    if ctx.state.playing and st.session_state.get("live_result") is None:
        status = live.status()
        while ctx.state.playing:
            show_live_status(status_box, status, live)
            if status.done:
                st.session_state["live_stop"] = True
                st.rerun()
            # the next status as soon as a frame gives one; without frames the box is
            # drawn again every 0.2 s, which is also when a STOP is noticed
            status = live.next_status(timeout_s=0.2) or status
    status = live.status()
    if status.done and st.session_state.get("live_result") is None:
        analyse_recording(live, label, account, operator=operator, notes=notes)
    elif not ctx.state.playing and live.recorded_s > 0 and not status.done:
        status_box.warning(f"The test was stopped after {live.recorded_s:.0f} s of recording.")
        if st.button("Analyse what was recorded", key="live_partial"):
            analyse_recording(live, label, account, operator=operator, notes=notes)
    bundle = st.session_state.get("live_result")
    if (bundle is not None and bundle.ok and bundle.out_dir is not None
            and st.session_state.get("live_details") != (operator, notes)):
        # the examiner or the notes changed after the analysis: record and report updated
        bundle = st.session_state["live_result"] = finish_output(
            bundle.out_dir, bundle.doc, source="webcam", person=label, account=account,
            operator=operator, notes=notes)
        st.session_state["live_details"] = (operator, notes)
    if bundle is not None:
        status_box.success("Done: the camera is off and your result is below.")
        show_bundle(bundle, key="live")
    if st.button("Start a new test", key="live_reset"):
        live.finish()
        for key in ("live_session", "live_result", "live_stop"):
            st.session_state.pop(key, None)
        st.rerun()
    st.caption(content.markdown("privacy"))


def show_live_status(box, status, live: LiveSession) -> None:
    lines = [f"### {status.prompt}"]
    if status.detail:
        lines.append(status.detail)
    if status.hold_elapsed_s is not None:
        lines.append(f"**Hold timer:** {status.hold_elapsed_s:.0f} s of "
                     f"{live.timings.hold_s:.0f} s")
    if status.drop_deg is not None and math.isfinite(status.drop_deg):
        lines.append(f"**Live pelvic drop:** {status.drop_deg:+.1f} deg (guidance only; the "
                     "result comes from the analysis of the recording)")
    if status.recording:
        lines.append(f"Recording: {live.recorded_s:.0f} s")
    if live.error:
        lines.append(f"Pose estimation problem: {live.error}")
    box.markdown("\n\n".join(lines))


def analyse_recording(live: LiveSession, label: str | None, account: Account, *,
                      operator: str | None = None, notes: str | None = None) -> None:
    path = live.finish()
    if path is None or not path.is_file():
        st.error("Nothing was recorded: the camera did not send any frame while the test ran.")
        st.info("**How to fix it:** allow the browser to use the camera, then press START "
                "again.")
        return
    st.session_state["live_result"] = run_with_progress(
        path, path.parent / "result", source="webcam", person=label, account=account,
        operator=operator, notes=notes)
    st.session_state["live_details"] = (operator, notes)


def _make_live_pose():
    from screening.pose.mediapipe_backend import MediaPipePose
    from screening.pose.model import resolve_model

    return MediaPipePose(resolve_model(), video_mode=True, people_check_s=None)


# ---------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title=APP_TITLE, page_icon="🦵", layout="wide")
    try:
        settings = settings_from_env(timings_param=st.query_params.get("timings"))
    except ValueError as exc:
        st.error(f"The app's settings are not valid: {exc}")
        st.info("**How to fix it:** correct or unset the variable and restart the app "
                "(docs/APP.md lists them).")
        return
    if settings.ice_loopback:
        offer_loopback_candidates_only()
    st.sidebar.title(APP_TITLE)
    start = PAGE_SLUGS.get(st.query_params.get("page", ""), 0)
    page = st.sidebar.radio("Page", PAGES, index=start, key="page")
    st.sidebar.caption(content.markdown("privacy"))
    st.sidebar.caption("Screening and education, not a diagnosis.")
    try:
        if page == PAGES[4]:
            page_learn()
            return
        account = get_account(settings)
        if account is None:   # a shared database: not signed in yet
            return
        if page == PAGES[0]:
            page_webcam(settings, account)
        elif page == PAGES[1]:
            page_upload(settings, account)
        elif page == PAGES[2]:
            page_batch(settings, account)
        else:
            page_history(settings, account)
    except Exception as exc:  # a bug in the app: a message, never a traceback
        LOG.exception("unexpected error on page %s", page)
        st.error(f"Something went wrong on this page ({type(exc).__name__}: {exc}).")
        st.info("**How to fix it:** reload the page and try again. If it happens again, "
                "please report it together with the server log.")


if __name__ == "__main__":
    main()

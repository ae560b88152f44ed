"""pelvic-screen in the browser: ``streamlit run app.py``.

A thin shell over :func:`screening.analyze_video`: a guided webcam self-test, one uploaded
video, or a batch; results in plain words with a chart, the annotated video and key
frames; a printable report; a local history; and a Learn page. Everything runs locally.

Settings (environment variables, all optional; see docs/APP.md):

* ``PELVIC_SCREEN_ICE_SERVERS``  JSON list of WebRTC ICE servers (STUN/TURN) for serving
  the webcam page to other machines; default ``[]`` (this machine only).
* ``PELVIC_SCREEN_LIVE_TIMINGS`` protocol timings, e.g. ``hold=30,baseline=3,countdown=3``
  (also the ``timings`` query parameter).
* ``PELVIC_SCREEN_MAX_UPLOAD_MB`` largest video accepted (default 200).
* ``PELVIC_SCREEN_DATA_DIR``     where the history file lives (default
  ``$XDG_DATA_HOME/pelvic-screen`` or ``~/.local/share/pelvic-screen``).
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
from screening.history import (
    HISTORY_FILE,
    append_history,
    history_entry,
    read_history,
)
from screening.live import LazyPose, LiveSession, LiveTimings
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
    write_reports,
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


def default_data_dir(env: dict | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("PELVIC_SCREEN_DATA_DIR"):
        return Path(env["PELVIC_SCREEN_DATA_DIR"]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "pelvic-screen"


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
# history: screening.history (numbers only, replaced atomically)


def trend_figure(entries: list[dict], thresholds: tuple[float, float] = (2.0, 4.0)):
    """Median pelvic drop per stance side over time, with the middle half as a bar."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    colours = {"left": "#2471a3", "right": "#ca6f1e"}
    for side in ("left", "right"):
        xs, ys, lo, hi = [], [], [], []
        for e in entries:
            for t in e.get("tests") or []:
                if t.get("stance_side") != side or t.get("drop_median_deg") is None:
                    continue
                xs.append(dt.datetime.fromisoformat(e["recorded_at"]))
                y = t["drop_median_deg"]
                ys.append(y)
                lo.append(y - (t.get("drop_p25_deg") if t.get("drop_p25_deg") is not None
                               else y))
                hi.append((t.get("drop_p75_deg") if t.get("drop_p75_deg") is not None
                           else y) - y)
        if xs:
            ax.errorbar(xs, ys, yerr=[[max(v, 0) for v in lo], [max(v, 0) for v in hi]],
                        marker="o", color=colours[side], capsize=3,
                        label=f"standing on {side} leg")
    ax.axhline(thresholds[1], color="#c0392b", ls="--", lw=1,
               label=f"positive from {thresholds[1]:g} deg")
    ax.axhline(thresholds[0], color="#c98a00", ls=":", lw=1,
               label=f"level below {thresholds[0]:g} deg")
    ax.set_ylabel("pelvic drop (deg)")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    import matplotlib.dates as mdates

    times = [dt.datetime.fromisoformat(e["recorded_at"]) for e in entries]
    if times:
        span = max(times) - min(times)
        pad = max(span * 0.08, dt.timedelta(hours=12))
        ax.set_xlim(min(times) - pad, max(times) + pad)
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return fig


# ---------------------------------------------------------------------------------------
# analysis (the one library call) and packaging


def analyse_file(path: str | Path, out_dir: Path, *, source: str, label: str = "",
                 progress=None, history: Path | None = None,
                 config: Config = Config()) -> ResultBundle:
    """Analyse one video with :func:`screening.analyze_video` into ``out_dir``, add the
    printable report, record it in the history (if ``history``) and load it for display."""
    result = analyze_video(path, config=config, out_dir=out_dir, progress=progress)
    return finish_output(out_dir, result.to_dict(), source=source, label=label,
                         history=history)


def finish_output(out_dir: Path, doc: dict, *, source: str, label: str,
                  history: Path | None) -> ResultBundle:
    """Add the printable report and the history entry to a written result folder."""
    problems = []
    bundle = load_bundle(out_dir)
    if doc.get("status") == "ok":
        try:
            write_reports(out_dir, subject_label=label, bundle=bundle)
        except Exception as exc:  # the result stands without the printable report
            problems.append(f"The printable report could not be made: {exc}")
        if history is not None:
            try:
                append_history(history, history_entry(doc, source=source, label=label))
            except OSError as exc:
                problems.append(f"The result could not be added to the history: {exc}")
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


def page_upload(settings: Settings) -> None:
    st.header("Analyse a video")
    st.markdown(content.markdown("howto"))
    show_marker_sheet(key="upload_markers")
    label = st.text_input("Subject label for the report (optional)", key="upload_label")
    uploaded = file_uploader("A video of the single-leg stance test", type=UPLOAD_TYPES,
                             key="upload_file", max_mb=settings.max_upload_mb)
    if uploaded is not None:
        token = f"{uploaded.file_id}:{label}"
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
                src, work / "result", source="upload", label=label, settings=settings)
            src.unlink(missing_ok=True)  # the input is not kept; outputs stay until replaced
            st.session_state["upload_token"] = token
    samples = sorted(SAMPLE_DIR.glob("*.mp4"))
    if samples:
        with st.expander("No video at hand? Try a sample", expanded=uploaded is None):
            st.caption("Rendered people doing the test, with a known pelvic drop "
                       "(sample_videos/README.md). Samples are not added to your history.")
            choice = st.selectbox("Sample video", samples, key="sample_choice",
                                  format_func=lambda p: p.stem.replace("_", " "))
            if st.button("Analyse this sample", key="sample_run"):
                st.session_state["upload_result"] = run_with_progress(
                    choice, new_workdir("upload_tmp") / "result", source="sample",
                    label=label, settings=settings, keep_history=False)
                st.session_state["upload_token"] = None
    bundle = st.session_state.get("upload_result")
    if bundle is not None:
        show_bundle(bundle, key="upload")


def run_with_progress(src: Path, out_dir: Path, *, source: str, label: str,
                      settings: Settings, keep_history: bool = True) -> ResultBundle:
    bar = st.progress(0.0, text="Starting...")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"Analysing: {message}")

    try:
        bundle = analyse_file(src, out_dir, source=source, label=label, progress=progress,
                              history=settings.data_dir / HISTORY_FILE if keep_history
                              else None)
    finally:
        bar.empty()
    return bundle


def page_batch(settings: Settings) -> None:
    st.header("Batch: several videos")
    st.write("Each video is analysed on its own; one failure does not stop the others.")
    label = st.text_input("Label for the reports (optional)", key="batch_label")
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
        done: list = []

        def on_item(outcome) -> None:
            done.append(outcome)
            bar.progress(len(done) / len(inputs),
                         text=f"{len(done)} of {len(inputs)} videos analysed")

        outcomes = run_batch(inputs, out_root, on_item=on_item)
        bar.empty()
        history = settings.data_dir / HISTORY_FILE
        bundles = [finish_output(o.out_dir, o.document, source="batch", label=label,
                                 history=history) for o in outcomes]
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


def page_history(settings: Settings) -> None:
    st.header("Your progress")
    path = settings.data_dir / HISTORY_FILE
    entries, problem = read_history(path)
    if problem:
        st.warning(problem)
    if not entries:
        st.info("No results yet. Every analysis you run is added here, so you can follow "
                f"your progress. (Stored only on this computer, in {path}.)")
        return
    st.pyplot(trend_figure(entries))
    rows = []
    for e in reversed(entries):
        for t in e.get("tests") or []:
            rows.append({"date": e["recorded_at"].replace("T", " ")[:16],
                         "video": e.get("video", ""), "label": e.get("label", ""),
                         "standing leg": t["stance_side"],
                         "result": CLASS_WORDS.get(t["classification"], t["classification"]),
                         "pelvic drop (deg)": t.get("drop_median_deg"),
                         "time to drop (s)": t.get("time_to_drop_s"),
                         "hold (s)": t.get("hold_duration_s")})
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(f"Stored only on this computer: {path}")
    st.download_button("Download the history (JSON)", path.read_bytes(),
                       file_name="pelvic-screen-history.json", mime="application/json")


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


def page_webcam(settings: Settings) -> None:
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
    label = st.text_input("Subject label for the report (optional)", key="live_label")

    live: LiveSession | None = st.session_state.get("live_session")
    if live is None or st.session_state.get("live_timings") != timings:
        if live is not None:
            live.finish()
        work = new_workdir("live_tmp")
        live = LiveSession(LazyPose(_make_live_pose), work / "recording.mp4",
                           timings=timings)
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
        while ctx.state.playing:
            status = live.status()
            show_live_status(status_box, status, live)
            if status.done:
                st.session_state["live_stop"] = True
                st.rerun()
            time.sleep(0.2)
    status = live.status()
    if status.done and st.session_state.get("live_result") is None:
        analyse_recording(live, label, settings)
    elif not ctx.state.playing and live.recorded_s > 0 and not status.done:
        status_box.warning(f"The test was stopped after {live.recorded_s:.0f} s of recording.")
        if st.button("Analyse what was recorded", key="live_partial"):
            analyse_recording(live, label, settings)
    bundle = st.session_state.get("live_result")
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


def analyse_recording(live: LiveSession, label: str, settings: Settings) -> None:
    path = live.finish()
    if path is None or not path.is_file():
        st.error("Nothing was recorded: the camera did not send any frame while the test ran.")
        st.info("**How to fix it:** allow the browser to use the camera, then press START "
                "again.")
        return
    st.session_state["live_result"] = run_with_progress(
        path, path.parent / "result", source="webcam", label=label, settings=settings)


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
        if page == PAGES[0]:
            page_webcam(settings)
        elif page == PAGES[1]:
            page_upload(settings)
        elif page == PAGES[2]:
            page_batch(settings)
        elif page == PAGES[3]:
            page_history(settings)
        else:
            page_learn()
    except Exception as exc:  # a bug in the app: a message, never a traceback
        LOG.exception("unexpected error on page %s", page)
        st.error(f"Something went wrong on this page ({type(exc).__name__}: {exc}).")
        st.info("**How to fix it:** reload the page and try again. If it happens again, "
                "please report it together with the server log.")


if __name__ == "__main__":
    main()

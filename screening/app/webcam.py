"""Page: the guided webcam self-test (screening.live), then the recording is analysed like
an uploaded video.

How this page and streamlit-webrtc work together (the reasons for the code below):

* Every change of the webcam component (START, the offer and its network candidates, the
  connection coming up, STOP) and every widget change reruns this script from the top. The
  component keeps its state in ``st.session_state`` under its key (:data:`WEBRTC_KEY`);
  the page keeps the guided session (:class:`screening.live.LiveSession`) there too, so a
  rerun never replaces the session while the camera is on.
* The frame callback runs in the component's worker thread for every frame. It never calls
  ``st.*`` and never raises: an exception there stops the video with nothing on the page.
  It hands the frame to the session and notes what arrives in a :class:`StreamLog`, which
  the page reads to say what happened.
* Each attempt to start the camera is followed on the page (:class:`CameraRun`): when it
  ends before the protocol is done, the page says how far it got and what to do.
* ``desired_playing_state=False`` switches the camera off once the protocol is done (and
  hides START); ``None`` leaves START and STOP to the user.
* The pose model is loaded (and MediaPipe imported) when the page opens, not on the first
  frame: the stream then starts without a pause of seconds in the frame callback.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from functools import partial
from typing import NoReturn

import numpy as np
import streamlit as st

from screening import content
from screening.errors import ModelError
from screening.live import LazyPose, LiveSession, LiveStatus, LiveTimings
from screening.pose.model import ModelInfo, resolve_model

from .account import Account, choose_person, session_details
from .camera_run import (
    CAMERA_FIXES,
    CONNECT_HINT_AFTER_S,
    NO_PICTURE_HINT_AFTER_S,
    CameraRun,
    StreamLog,
    StreamState,
    camera_outcome,
    follow_camera,
)
from .files import new_workdir
from .publish import finish_output, run_with_progress
from .results import show_bundle, show_marker_sheet
from .settings import Settings

WEBRTC_KEY = "pelvic-live"
# The framing view must show a whole person, head to feet, on a laptop screen (a browser
# window 768 px tall): the preview is at most this tall, the rest of the picture is scaled.
PREVIEW_MAX_HEIGHT_PX = 420
# seconds between the live tracker's checks against a fresh detection (MediaPipePose)
LIVE_TRACKING_CHECK_S = 1.0


@st.cache_resource(show_spinner="Loading the pose model...")
def pose_model() -> ModelInfo:
    """The pose model, checked once per server; MediaPipe imported with it."""
    from screening.pose.mediapipe_backend import MediaPipePose  # noqa: F401 (import now)

    return resolve_model()


def make_live_pose(model: ModelInfo):
    from screening.pose.mediapipe_backend import MediaPipePose

    # a stream's first frames are often blurred (focus, low bitrate): the tracking check
    # keeps a tracker that locked onto a wrong body from holding the framing check forever
    return MediaPipePose(model, video_mode=True, people_check_s=None,
                         tracking_check_s=LIVE_TRACKING_CHECK_S)


def frame_callback(live: LiveSession, log: StreamLog):
    """The function streamlit-webrtc calls with each frame, in its worker thread."""

    def on_frame(frame):
        import av

        log.frame_arrived(time.monotonic())
        rgb = frame.to_ndarray(format="rgb24")
        t_s = float(frame.time) if frame.time is not None else time.monotonic()
        try:
            shown = live.process(rgb, t_s)
        except Exception as exc:  # kept running; the page shows the error
            log.failed(exc)
            shown = np.ascontiguousarray(rgb[:, ::-1])
        return av.VideoFrame.from_ndarray(shown, format="rgb24")

    return on_frame


def page(settings: Settings, account: Account) -> None:
    st.header("Webcam self-test")
    try:
        from streamlit_webrtc import WebRtcMode, webrtc_streamer
    except ImportError:
        st.error("The webcam needs the streamlit-webrtc package.")
        st.info("**How to fix it:** `pip install 'pelvic-screen[app]'`")
        return
    try:
        model = pose_model()
    except ModelError as exc:
        st.error(f"The pose model is not available: {exc.message}")
        st.info(f"**How to fix it:** {exc.hint}")
        return

    camera_col, side_col = st.columns([3, 2], gap="medium")
    with side_col:
        status_box = st.empty()
        reset = st.button("Start a new test", key="live_reset")
        timings, label, operator, notes = ask_test_settings(settings.timings, account)
    if reset:
        start_new_test()

    live: LiveSession | None = st.session_state.get("live_session")
    if live is None or st.session_state.get("live_timings") != timings:
        if live is not None:
            live.finish()
        work = new_workdir("live_tmp")
        # a session is named by its date and time
        name = f"webcam {dt.datetime.now():%Y-%m-%d %H.%M.%S}.mp4"
        live = LiveSession(LazyPose(partial(make_live_pose, model)), work / name,
                           timings=timings)
        st.session_state["live_session"] = live
        st.session_state["live_stream_log"] = StreamLog()
        st.session_state["live_timings"] = timings
        for key in ("live_result", "live_stop", "live_camera_run"):
            st.session_state.pop(key, None)
    log: StreamLog = st.session_state.setdefault("live_stream_log", StreamLog())

    with camera_col:
        ctx = webrtc_streamer(
            key=WEBRTC_KEY, mode=WebRtcMode.SENDRECV,
            rtc_configuration={"iceServers": list(settings.ice_servers)},
            media_stream_constraints={"video": True, "audio": False},
            video_frame_callback=frame_callback(live, log), async_processing=True,
            video_html_attrs={"autoPlay": True, "controls": False, "muted": True,
                              "playsInline": True,
                              "style": {"width": "100%",
                                        "maxHeight": f"{PREVIEW_MAX_HEIGHT_PX}px",
                                        "objectFit": "contain"}},
            # the camera is switched off once the protocol is done
            desired_playing_state=False if st.session_state.get("live_stop") else None)
    run = follow_camera(st.session_state.get("live_camera_run"),
                        signalling=ctx.state.signalling, playing=ctx.state.playing,
                        now_s=time.monotonic())
    st.session_state["live_camera_run"] = run

    if st.session_state.get("live_result") is None:
        if ctx.state.playing:
            follow_protocol(status_box, live, log, run)   # ends by a rerun
        elif ctx.state.signalling:
            follow_connecting(status_box, run)             # ends by a rerun
    if st.session_state.get("live_result") is None:
        if live.status().done:
            analyse_recording(live, label, account, operator=operator, notes=notes)
        elif run is not None and run.ended_s is not None:
            show_ended_early(status_box, run, log.snapshot(), live, label, account,
                             operator=operator, notes=notes)
        else:
            status_box.markdown(START_TEXT)
    bundle = st.session_state.get("live_result")
    if (bundle is not None and bundle.ok and bundle.out_dir is not None
            and st.session_state.get("live_details") != (operator, notes)):
        # the examiner or the notes changed after the analysis: record and report updated
        bundle = st.session_state["live_result"] = finish_output(
            bundle.out_dir, bundle.result, source="webcam", person=label, account=account,
            operator=operator, notes=notes)
        st.session_state["live_details"] = (operator, notes)
    if bundle is not None:
        status_box.success("Done: the camera is off and your result is below.")
        show_bundle(bundle, key="live")


START_TEXT = ("#### Stand back until your whole body is in the picture, then press START\n\n"
              "The app guides you through the test with instructions on the video: both "
              "legs, then each foot up in turn. The recording is then analysed like an "
              "uploaded video.")


def ask_test_settings(base: LiveTimings, account: Account
                      ) -> tuple[LiveTimings, str | None, str, str]:
    """The hold time, the person tested, the examiner and the notes."""
    hold_s = st.number_input("Hold time per leg (seconds)", min_value=5, max_value=60,
                             value=int(round(base.hold_s)) if base.hold_s >= 5 else 5,
                             step=5, key="live_hold", disabled=base.hold_s < 5,
                             help="30 s is the standard test.")
    timings = LiveTimings.parse(f"hold={hold_s}", base) if base.hold_s >= 5 else base
    label = choose_person(account, "live")
    operator, notes = session_details("live", side_by_side=False)
    show_marker_sheet(key="live_markers")
    st.caption(content.markdown("privacy"))
    return timings, label, operator, notes


def start_new_test() -> None:
    live = st.session_state.get("live_session")
    if live is not None:
        live.finish()
    for key in ("live_session", "live_result", "live_stop", "live_camera_run"):
        st.session_state.pop(key, None)
    st.rerun()


def follow_connecting(box, run: CameraRun) -> NoReturn:
    """While the browser and the server connect: how long, and what helps if it lasts."""
    while True:
        waited_s = time.monotonic() - run.started_s
        lines = [f"#### Connecting to the camera... {waited_s:.0f} s",
                 "Allow the camera if the browser asks."]
        if waited_s >= CONNECT_HINT_AFTER_S:
            lines.append("This takes unusually long. What usually helps:\n\n"
                         + "\n".join(f"- {fix}" for fix in CAMERA_FIXES))
        box.markdown("\n\n".join(lines))
        time.sleep(0.25)


def follow_protocol(box, live: LiveSession, log: StreamLog, run: CameraRun) -> NoReturn:
    """While the camera is on: the protocol's prompt, timers and problems. Once the protocol
    is done, one rerun renders the camera switched off; the page then waits here for the
    camera to report it is off, and the next run analyses the recording."""
    status = live.status()
    while True:
        if not status.done:
            show_live_status(box, status, live, log.snapshot(), run)
        elif not st.session_state.get("live_stop"):
            st.session_state["live_stop"] = True
            st.rerun()
        else:
            box.markdown("#### Done: switching the camera off...")
        # the next status as soon as a frame gives one; without frames the box is drawn
        # again every 0.2 s (the time without a picture goes on), which is also when a
        # rerun (STOP, a widget) replaces this run
        status = live.next_status(timeout_s=0.2) or status


def show_live_status(box, status: LiveStatus, live: LiveSession, stream: StreamState,
                     run: CameraRun) -> None:
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
    now_s = time.monotonic()
    seen_s = [t for t in (stream.last_frame_s, run.playing_s) if t is not None]
    since_s = now_s - max(seen_s, default=now_s)   # since the last frame or the connection
    if since_s >= NO_PICTURE_HINT_AFTER_S:
        lines.append(f"**No picture from the camera for {since_s:.0f} s.** Is another "
                     "program using the camera? Press STOP, close it, and press START.")
    if live.error:
        lines.append(f"Pose estimation problem: {live.error}")
    if stream.error:
        lines.append(f"Video processing problem: {stream.error}")
    box.markdown("\n\n".join(lines))


def show_ended_early(box, run: CameraRun, stream: StreamState, live: LiveSession,
                     label: str | None, account: Account, *, operator: str,
                     notes: str) -> None:
    """The camera stopped before the protocol was done: what happened, what to do, and the
    recording so far."""
    with box.container():
        st.warning(camera_outcome(run, stream, live.recorded_s))
        if stream.error:
            st.error(f"Video processing problem: {stream.error}")
        st.markdown("**What to do:** press **START** to try again.\n\n"
                    + "\n".join(f"- {fix}" for fix in CAMERA_FIXES))
        analyse = live.recorded_s > 0 and st.button("Analyse what was recorded",
                                                    key="live_partial")
    if analyse:
        analyse_recording(live, label, account, operator=operator, notes=notes)


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

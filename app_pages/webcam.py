"""Page: the guided webcam self-test (screening.live), then the recording is analysed like
an uploaded video."""

from __future__ import annotations

import datetime as dt
import math
import time

import streamlit as st

from screening import content
from screening.live import LazyPose, LiveSession, LiveTimings

from .account import Account, choose_person, session_details
from .files import new_workdir
from .publish import finish_output, run_with_progress
from .results import show_bundle, show_marker_sheet
from .settings import Settings


def page(settings: Settings, account: Account) -> None:
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
        live = LiveSession(LazyPose(make_live_pose), work / name, timings=timings)
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
                              rtc_configuration={"iceServers": list(settings.ice_servers)},
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


def make_live_pose():
    from screening.pose.mediapipe_backend import MediaPipePose
    from screening.pose.model import resolve_model

    return MediaPipePose(resolve_model(), video_mode=True, people_check_s=None)

"""Page: analyse one uploaded video (or a built-in sample)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from screening import content

from .account import Account, choose_person, session_details
from .files import UPLOAD_TYPES, file_uploader, new_workdir, safe_name
from .publish import finish_output, run_with_progress
from .results import show_bundle, show_marker_sheet
from .settings import Settings

# the rendered sample clips of a checkout (beside screening/); an installed package has none
# (the wheel holds no videos) and the page then offers no samples
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_videos"


def page(settings: Settings, account: Account) -> None:
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
                    bundle.out_dir, bundle.result, source="upload", person=label,
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

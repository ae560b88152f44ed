"""One analysed video on screen, the same on every page: the verdict per standing leg in
plain words with its numbers, the chart over time, the annotated video, key frames and the
downloads; and the content blocks shown next to results (exercises, the marker sheet)."""

from __future__ import annotations

import math
from pathlib import Path

import streamlit as st

from screening import content
from screening.charts import drop_and_lean_figure
from screening.keyframes import key_frames
from screening.results import Result, ResultBundle
from screening.wording import (
    CLASS_WORDS,
    NOISE_NOTE,
    estimator_note,
    hold_lines,
    hold_title,
    missed_hold_text,
    repeated_sides,
    side_line,
    weak_side_text,
)

DOWNLOADS = (("report.pdf", "Printable report (PDF)", "application/pdf"),
             ("report.html", "Printable report (HTML)", "text/html"),
             ("result.json", "Result (JSON)", "application/json"),
             ("timeseries.csv", "Time series (CSV)", "text/csv"))


def show_error(result: Result) -> None:
    err = result.error
    st.error(f"**{result.name if result.input else 'The video'}:** "
             f"{err.message if err else 'The video could not be analysed.'}")
    if err and err.hint:
        st.info(f"**How to fix it:** {err.hint}")


def show_bundle(bundle: ResultBundle, *, key: str, show_learn: bool = True) -> None:
    """Everything about one analysed video."""
    result = bundle.result
    if not bundle.ok:
        show_error(result)
        return
    for problem in bundle.output_problems:
        st.warning(problem)
    thresholds = bundle.thresholds
    any_weak = False
    several = len(bundle.holds) > 1
    repeated = repeated_sides(result)
    if repeated:
        st.markdown("#### Per leg, all holds together")
        for side in repeated:
            st.markdown(f"- {side_line(side)} {side.summary}")
    for k, hold in enumerate(bundle.holds):
        number = f"Test {k + 1}: " if several else ""
        colour = {"negative": "green", "borderline": "orange", "positive": "red"}.get(
            hold.classification, "gray")
        st.markdown(f"#### {number}{hold_title(hold)}: "
                    f":{colour}[{CLASS_WORDS[hold.classification]}]")
        drop = hold.pelvic_drop
        if hold.measured:
            cols = st.columns(4)
            cols[0].metric("Pelvic drop (median)", _deg(drop.median_deg),
                           help="Positive: the lifted-leg side of the pelvis is lower than "
                                "when standing on both legs.")
            cols[1].metric("Middle half of the hold",
                           f"{_num(drop.p25_deg)} to {_num(drop.p75_deg)}°",
                           help="25th to 75th percentile of the drop over the hold, in "
                                "degrees.")
            cols[2].metric("Time to drop", "not reached" if hold.time_to_drop_s is None
                           else f"{hold.time_to_drop_s:.1f} s")
            cols[3].metric("Hold", f"{hold.hold_duration_s:.1f} s")
        weak = weak_side_text(hold)
        if weak:  # names the side as clinicians do and explains it
            any_weak = True
            st.markdown(f"**{weak}**")
        else:
            st.write(hold.summary)
        with st.expander("Details and numbers", expanded=False):
            for line in hold_lines(hold, thresholds):
                st.markdown(f"- {line}")
            for reason in hold.reasons:
                st.markdown(f"- {reason}")
            for problem in hold.problems:
                st.markdown(f"- {problem.message} *How to fix it:* {problem.hint}")
    for missed in result.missed_holds:
        st.markdown(f"#### Standing on the {missed.stance_side.upper()} leg: not measured")
        st.warning(missed_hold_text(missed))
    st.caption(f"{NOISE_NOTE} {estimator_note(result.estimator)}")
    for warning in result.warnings:
        st.caption(f"Note: {warning}")

    if bundle.timeseries:
        st.markdown("##### Pelvic drop and trunk lean over time")
        st.pyplot(drop_and_lean_figure(bundle), clear_figure=False)
    video = bundle.file("annotated_video")
    left, right = st.columns([3, 2])
    if video is not None:
        with left:
            st.markdown("##### Annotated video")
            st.video(str(video))
    with right:
        for k in range(len(bundle.holds)):
            frames = key_frames(bundle, k)
            if frames:
                number = f", test {k + 1}" if len(bundle.holds) > 1 else ""
                st.markdown(f"##### Key frames{number}: standing on the "
                            f"{bundle.holds[k].stance_side} leg")
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
    if bundle.out_dir is None:
        return
    st.markdown("##### Downloads")
    cols = st.columns(len(DOWNLOADS))
    stem = Path(bundle.name).stem
    for col, (filename, label, mime) in zip(cols, DOWNLOADS, strict=True):
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


def _num(value) -> str:
    return "n/a" if value is None or not math.isfinite(float(value)) else f"{float(value):.1f}"


def _deg(value) -> str:
    return "n/a" if value is None else f"{_num(value)}°"

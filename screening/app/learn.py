"""Page: the hip abductors, the mirror test, the first exercises and the other common
causes of hip pain in runners (screening.content)."""

from __future__ import annotations

import streamlit as st

from screening import content

from .results import show_exercises


def page() -> None:
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

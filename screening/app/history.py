"""Page: the records of one person over time (screening.records): the pelvic drop per
standing leg with each result's uncertainty, the sessions, two sessions compared, export and
deletion."""

from __future__ import annotations

import json

import streamlit as st

from screening.charts import trend_figure
from screening.records import SDD_DEG, asymmetry, sessions_csv

from .account import Account, md_escape
from .settings import Settings
from .tables import comparison_rows, session_missed_holds, session_rows, session_title


def page(settings: Settings, account: Account) -> None:
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
        st.dataframe(session_rows(sessions), hide_index=True, width="stretch",
                     column_config={"not measured, why": st.column_config.TextColumn(
                         "not measured, why", width="large")})
        show_missed_legs(sessions)
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
    st.dataframe(comparison_rows(a, b), hide_index=True, width="stretch")
    for label, ses in (("Earlier", a), ("Later", b)):
        asym = asymmetry(ses)
        if asym is not None:
            st.caption(f"{label}: left minus right {asym['difference_deg']:+.1f} deg, "
                       + ("beyond" if asym["exceeds_noise"] else "within")
                       + f" the noise ({asym['noise_deg']:g} deg).")


def show_missed_legs(sessions: list[dict]) -> None:
    """The newest session's legs that were not measured: why, and what to do."""
    for missed in session_missed_holds(sessions[-1]):
        st.warning(f"Latest session: {missed.message} {missed.hint}")

"""Page: several videos at once (screening.batch), a summary table, each result and one zip
with everything."""

from __future__ import annotations

import shutil

import streamlit as st

from screening.batch import run_batch

from .account import Account, choose_person
from .files import UPLOAD_TYPES, file_uploader, new_workdir, save_uploads, zip_folder
from .publish import bar_progress, finish_output
from .results import show_bundle
from .settings import Settings
from .tables import HINT, PROBLEM, batch_rows


def page(settings: Settings, account: Account) -> None:
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
        inputs = save_uploads(usable, inputs_dir)
        bar = st.progress(0.0, text=f"0 of {len(inputs)} videos analysed")
        outcomes = run_batch(inputs, out_root, progress=bar_progress(bar))
        bar.empty()
        bundles = [finish_output(o.out_dir, o.result, source="batch", person=label,
                                 account=account) for o in outcomes]
        shutil.rmtree(inputs_dir, ignore_errors=True)
        st.session_state["batch_result"] = {
            "rows": batch_rows(b.result for b in bundles), "bundles": bundles,
            "zip": zip_folder(out_root)}
    result = st.session_state.get("batch_result")
    if result is None:
        return
    st.subheader("Summary")
    # the long texts get wide columns
    st.dataframe(result["rows"], hide_index=True, width="stretch", column_config={
        PROBLEM: st.column_config.TextColumn(PROBLEM, width="large"),
        HINT: st.column_config.TextColumn(HINT, width="large")})
    st.caption("A video that could not be analysed, or a leg that was not measured, says "
               "why and how to fix it in the last two columns; each video's own section "
               "below has the whole result.")
    st.download_button("Download everything (zip: JSON, CSV, reports, videos)", result["zip"],
                       file_name="pelvic-screen-results.zip", mime="application/zip",
                       key="batch_zip")
    for i, bundle in enumerate(result["bundles"]):
        icon = ":material/check_circle:" if bundle.ok else ":material/error:"
        with st.expander(bundle.name, expanded=not bundle.ok, icon=icon):
            show_bundle(bundle, key=f"batch-{i}", show_learn=False)

"""The Streamlit app, one module per page: ``pelvic-screen app`` starts it from the installed
package (the optional extra ``app``: ``pip install 'pelvic-screen[app]'``), ``streamlit run
app.py`` from a checkout.

Every page is a thin shell over the library (:mod:`screening`): it reads what the user
gives, calls the library and shows what comes back. The library never imports this package
or Streamlit; only the command line reaches it, through :mod:`screening.app.launch`, which
imports Streamlit when the command runs. This file imports nothing, so that ``launch`` can
say what to install when the extra is missing.

Modules:

* ``launch``: the ``pelvic-screen app`` command (checks the extra and the pose model, then
  runs Streamlit on ``entry/pelvic_screen_app.py``);
* ``main``: the settings and the routing (``st.navigation``) to the pages;
* ``settings``: the app's settings (environment variables) and WebRTC network options;
* ``account``: the records database, sign-in for a shared database, the person tested,
  the examiner and the notes;
* ``files``: temporary folders, upload names and sizes, zipping a result folder;
* ``publish``: one video through :func:`screening.analyse_video` and
  :func:`screening.records.record_result`, with a progress bar;
* ``results``: one result on screen (verdicts, chart, video, key frames, downloads), the
  exercises and the marker sheet;
* ``tables``: the rows of the batch and history tables (plain values, no Streamlit);
* ``webcam``, ``upload``, ``batch``, ``history``, ``learn``: the pages.

Why the routing is explicit (``st.navigation``) and no folder is called ``pages/``:
Streamlit would turn every file of a ``pages/`` folder next to the entry script into a page
of its own, with URLs taken from the file names; the helper modules would show up as
pages and the page URLs would change (``?page=webcam|upload|batch|history|learn``).
"""

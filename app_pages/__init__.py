"""The pages of the Streamlit app (``streamlit run app.py``), one module per page.

``app.py`` is the entry point: it reads the settings and routes with ``st.navigation`` to
the pages below. Every page is a thin shell over the library (:mod:`screening`): it reads
what the user gives, calls the library and shows what comes back.

Why a package called ``app_pages`` next to ``app.py``:

* not ``pages/``: Streamlit turns every file of a folder named ``pages`` next to the
  entry script into a page of its own, with URLs taken from the file names. The routing
  here is explicit instead (``st.navigation`` in ``app.py``), so the helper modules
  (settings, results, files) never show up as pages and the page URLs stay the same as
  before (``?page=webcam|upload|batch|history|learn``);
* not inside ``screening``: the library never imports Streamlit (the app is the optional
  extra ``app``), and the UI code stays out of the installed package. Streamlit puts the
  entry script's folder on ``sys.path``, so ``app.py`` imports this package from there;
  the tests do the same (``pythonpath`` in pyproject.toml).

Modules:

* ``settings``: the app's settings (environment variables) and WebRTC network options;
* ``account``: the records database, sign-in for a shared database, the person tested,
  the examiner and the notes;
* ``files``: temporary folders, upload names and sizes, zipping a result folder;
* ``publish``: one video through :func:`screening.analyse_video` and
  :func:`screening.records.record_result`, with a progress bar;
* ``results``: one result on screen (verdicts, chart, video, key frames, downloads), the
  exercises and the marker sheet;
* ``webcam``, ``upload``, ``batch``, ``history``, ``learn``: the pages.
"""

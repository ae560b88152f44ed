"""The script Streamlit runs for ``pelvic-screen app``: alone in its folder, because
Streamlit puts the script's folder first on ``sys.path`` (the page modules beside it would
otherwise be importable as top-level modules such as ``settings``)."""

"""The app's routing: the settings, then ``st.navigation`` to the pages of this package.

:func:`main` is what Streamlit runs, through the package's entry script
(``screening/app/entry/pelvic_screen_app.py``, started by ``pelvic-screen app``) or through
``app.py`` in a checkout (``streamlit run app.py``, ``make app``). It reads the settings
(:mod:`screening.app.settings` lists the environment variables) and sends each page to its
module. A page is opened by its path (``/upload``; the webcam page is the root) or, as
before, by ``?page=webcam|upload|batch|history|learn``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from screening import content

from . import batch, history, learn, upload, webcam
from .account import get_account
from .settings import Settings, offer_loopback_candidates_only, settings_from_env

LOG = logging.getLogger("pelvic_screen.app")
APP_TITLE = "Pelvic drop screening"


@dataclass(frozen=True)
class AppPage:
    slug: str                      # URL path and ``?page=`` value
    title: str
    icon: str
    render: Callable               # render(settings, account), or render() without account
    needs_account: bool = True     # the records (and sign-in for a shared database)


PAGES = (
    AppPage("webcam", "Webcam self-test", ":material/videocam:", webcam.page),
    AppPage("upload", "Analyse a video", ":material/upload_file:", upload.page),
    AppPage("batch", "Batch", ":material/video_library:", batch.page),
    AppPage("history", "History", ":material/timeline:", history.page),
    AppPage("learn", "Learn", ":material/school:", learn.page, needs_account=False),
)


def page_runner(app_page: AppPage, settings: Settings) -> Callable[[], None]:
    """The function ``st.Page`` runs for ``app_page``: the account first where needed, and
    a message instead of a traceback if the page fails."""

    def run() -> None:
        try:
            if not app_page.needs_account:
                app_page.render()
                return
            account = get_account(settings)
            if account is None:   # a shared database: not signed in yet
                return
            app_page.render(settings, account)
        except Exception as exc:  # a bug in the app: a message, never a traceback
            LOG.exception("unexpected error on page %s", app_page.slug)
            st.error(f"Something went wrong on this page ({type(exc).__name__}: {exc}).")
            st.info("**How to fix it:** reload the page and try again. If it happens again, "
                    "please report it together with the server log.")

    run.__name__ = f"page_{app_page.slug}"
    return run


def main() -> None:
    st.set_page_config(page_title=APP_TITLE, page_icon="🦵", layout="wide")
    try:
        settings = settings_from_env(timings_param=st.query_params.get("timings"))
    except ValueError as exc:
        st.error(f"The app's settings are not valid: {exc}")
        st.info("**How to fix it:** correct or unset the variable and restart the app "
                "(docs/APP.md lists them).")
        return
    if settings.ice_loopback:
        offer_loopback_candidates_only()
    pages = {p.slug: st.Page(page_runner(p, settings), title=p.title, icon=p.icon,
                             url_path=p.slug, default=p is PAGES[0])
             for p in PAGES}
    page = st.navigation(list(pages.values()))
    # the older form of the address, ``/?page=upload``: go to that page's own address
    asked = st.query_params.get("page", "")
    if page is pages[PAGES[0].slug] and asked in pages and asked != PAGES[0].slug:
        st.switch_page(pages[asked], query_params={
            k: v for k, v in st.query_params.to_dict().items() if k != "page"})
    st.sidebar.caption(content.markdown("privacy"))
    st.sidebar.caption("Screening and education, not a diagnosis.")
    page.run()

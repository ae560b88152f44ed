"""Who uses the app and for whom: the records database (screening.records), sign-in when
that database is shared, and the fields every analysing page has (the person tested, the
examiner, the notes)."""

from __future__ import annotations

import hmac
import html
import re
from dataclasses import dataclass

import streamlit as st

from screening.records import DEFAULT_ORGANISATION, Records, RecordsError, open_records

from .settings import Settings

NEW_PERSON = "+ New person..."
DEFAULT_PERSON = "me"


@dataclass(frozen=True)
class Account:
    """Who is using the app: the records database and the organisation they see."""

    records: Records | None
    organisation: str = DEFAULT_ORGANISATION
    user: str = ""
    problem: RecordsError | None = None


def _secrets() -> dict:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # no secrets file: nothing configured
        return {}


def check_password(accounts: dict, user: str, password: str) -> bool:
    expected = accounts.get(user)
    return expected is not None and hmac.compare_digest(str(expected).encode(),
                                                        str(password).encode())


def sign_in(records: Records) -> Account | None:
    """A database server is shared: every user signs in and sees their organisation only.

    OIDC (``st.login``) when ``[auth]`` is in the secrets, else the passwords of
    ``[pelvic_screen] passwords``; ``[pelvic_screen] organisations`` maps each account (user
    name or e-mail) to its organisation. None: not signed in (the page says how)."""
    secrets = _secrets()
    conf = dict(secrets.get("pelvic_screen") or {})
    organisations = dict(conf.get("organisations") or {})
    if secrets.get("auth"):
        if not st.user.get("is_logged_in", False):
            st.header("Sign in")
            st.write("These records are shared: sign in to see your organisation's people.")
            st.button("Sign in", on_click=st.login, key="oidc_login")
            return None
        user = str(st.user.get("email") or st.user.get("name") or "")
        st.sidebar.button("Sign out", on_click=st.logout, key="oidc_logout")
    elif conf.get("passwords"):
        user = st.session_state.get("signed_in_user", "")
        if not user:
            st.header("Sign in")
            st.write("These records are shared: sign in to see your organisation's people.")
            with st.form("sign_in"):
                name = st.text_input("User", key="sign_in_user")
                password = st.text_input("Password", type="password", key="sign_in_password")
                submitted = st.form_submit_button("Sign in")
            if submitted:
                if check_password(dict(conf["passwords"]), name, password):
                    st.session_state["signed_in_user"] = name
                    st.rerun()
                st.error("Wrong user name or password.")
            return None
        if st.sidebar.button("Sign out", key="password_logout"):
            st.session_state.pop("signed_in_user", None)
            st.rerun()
    else:
        st.error("These records are in a shared database, but no sign-in is configured.")
        st.info("**How to fix it:** add `[auth]` (OpenID Connect) or `[pelvic_screen] "
                "passwords` and `organisations` to `.streamlit/secrets.toml` "
                "(docs/RECORDS.md), or unset PELVIC_SCREEN_DATABASE_URL to use this "
                "machine's own records.")
        return None
    organisation = organisations.get(user)
    if not organisation:
        st.error("Your account has no organisation, so it cannot see any records.")
        st.info("**How to fix it:** ask the administrator to add it to `[pelvic_screen] "
                "organisations` in the app's secrets.")
        return None
    st.sidebar.caption(f"Signed in as {md_escape(user)} ({md_escape(str(organisation))})")
    return Account(records, str(organisation), user)


def get_account(settings: Settings) -> Account | None:
    """The records and, for a shared database, the signed-in user (None: not signed in)."""
    try:
        records = open_records(data_dir=settings.data_dir)
    except RecordsError as exc:
        return Account(None, problem=exc)
    if records.shared:
        return sign_in(records)
    return Account(records)


def md_escape(text: str) -> str:
    """User text for st.markdown: markdown and HTML characters shown as typed."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>$:])", r"\\\1",
                  html.escape(str(text), quote=False))


def choose_person(account: Account, key: str) -> str | None:
    """Pick the person tested (or name a new one). Default: a single local person "me"."""
    if account.records is None:
        st.warning(f"Results will not be recorded: {account.problem.message}")
        return None
    try:
        people = [p["label"] for p in account.records.people(organisation=account.organisation)]
    except RecordsError as exc:
        st.warning(f"Results will not be recorded: {exc.message}")
        return None
    if not people and account.organisation == DEFAULT_ORGANISATION:
        people = [DEFAULT_PERSON]
    options = people + [NEW_PERSON]
    chosen = st.selectbox("Person tested", options, key=f"{key}_person",
                          help="Results are recorded for this person (History page).")
    if chosen == NEW_PERSON:
        name = " ".join(st.text_input("New person (a name or a pseudonymous id)",
                                      key=f"{key}_new_person", max_chars=200).split())
        if not name:
            st.caption("Type a name or an id: without one the result is not recorded.")
        return name or None
    return chosen


def session_details(key: str, *, side_by_side: bool = True) -> tuple[str, str]:
    """The optional examiner and notes of the analysis (the record and the printable
    report), as typed ("" when empty: the session has none). ``side_by_side``: the two
    fields in one row, else one under the other (a narrow column)."""
    if side_by_side:
        first, second = st.columns([1, 2])
    else:
        first = second = st.container()
    operator = first.text_input("Examiner", key=f"{key}_operator", max_chars=200,
                                help="Who runs the test (optional). Printed on the report "
                                "and stored with the session.")
    notes = second.text_area("Notes", key=f"{key}_notes", max_chars=2000, height=68,
                             help="Optional, e.g. shoes, pain, the side of an injury. "
                             "Printed on the report and stored with the session.")
    return operator or "", notes or ""

"""Where the records live and how to connect: the database URL, the engine, safe display.

Default: a SQLite file ``records.sqlite`` in the user data folder
(``PELVIC_SCREEN_DATA_DIR``, else ``$XDG_DATA_HOME/pelvic-screen``, else
``~/.local/share/pelvic-screen``). ``PELVIC_SCREEN_DATABASE_URL`` takes any SQLAlchemy URL;
``postgresql://`` is served by psycopg 3 (the ``postgres`` extra).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import ScreeningError

DATABASE_URL_ENV = "PELVIC_SCREEN_DATABASE_URL"
DATA_DIR_ENV = "PELVIC_SCREEN_DATA_DIR"
DATABASE_FILE = "records.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 30_000


class RecordsError(ScreeningError):
    """The records database cannot be used (unreachable, read-only, bad URL...)."""

    code = "records"


def default_data_dir(env: dict | None = None) -> Path:
    """The user data folder: ``PELVIC_SCREEN_DATA_DIR``, else the platform default."""
    env = os.environ if env is None else env
    if env.get(DATA_DIR_ENV):
        return Path(env[DATA_DIR_ENV]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "pelvic-screen"


def database_url(url: str | URL | None = None, env: dict | None = None) -> URL:
    """The URL to use: ``url``, else ``PELVIC_SCREEN_DATABASE_URL``, else the SQLite file in
    the data folder. ``postgresql://`` (and ``postgres://``) get the psycopg 3 driver."""
    env = os.environ if env is None else env
    raw = url if url is not None else (env.get(DATABASE_URL_ENV) or "").strip()
    if not raw:
        path = default_data_dir(env) / DATABASE_FILE
        return URL.create("sqlite", database=str(path))
    if isinstance(raw, URL):
        parsed = raw
    else:
        text = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", str(raw))
        try:
            parsed = make_url(text)
        except ArgumentError:
            raise RecordsError(
                f"{DATABASE_URL_ENV} is not a database URL ({hide_password(text)}).",
                "Use e.g. postgresql://user@host:5432/dbname or sqlite:////path/records.sqlite",
                code="records_bad_url") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def hide_password(url: str | URL) -> str:
    """The URL with its password replaced by ``***`` (also for text that is not a URL)."""
    try:
        return make_url(url).render_as_string(hide_password=True) if not isinstance(
            url, URL) else url.render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(url))


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def scrub(text: str, url: URL) -> str:
    """``text`` (e.g. a driver's error message) without the URL's password in it."""
    password = url.password
    if password:
        text = text.replace(str(password), "***")
    return text


def make_engine(url: URL) -> Engine:
    """An engine for ``url``. SQLite: the folder is created, WAL, a busy timeout, foreign
    keys on, and every transaction takes the write lock up front (BEGIN IMMEDIATE) so two
    writers wait for each other instead of failing."""
    if is_sqlite(url):
        if url.database and url.database != ":memory:":
            try:
                Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RecordsError(
                    f"The records folder {Path(url.database).parent} cannot be created "
                    f"({exc.strerror or exc}).",
                    f"Set {DATA_DIR_ENV} to a writable folder, or {DATABASE_URL_ENV} to "
                    "another database.", code="records_unavailable") from None
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # transactions are begun below
            cur = dbapi_connection.cursor()
            cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            try:
                cur.execute("PRAGMA journal_mode = WAL")
            except Exception:  # a read-only file: reading still works
                pass
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise RecordsError(
            f"The database driver for {hide_password(url)} is not installed ({exc.name}).",
            "For PostgreSQL: pip install 'pelvic-screen[postgres]'.",
            code="records_driver") from None


def explain(url: URL, exc: BaseException, action: str) -> RecordsError:
    """A RecordsError saying what failed (``action``) in the database at ``url``, why and
    how to fix it; no password."""
    orig = getattr(exc, "orig", None) or exc
    reason = scrub(" ".join(str(orig).split("\n")[0].split()), url)[:300]
    where = hide_password(url)
    low = reason.lower()
    if is_sqlite(url) and ("readonly" in low or "read-only" in low):
        why = "the database file or its folder is read-only"
        hint = (f"Make {url.database} and its folder writable, or set "
                f"{DATA_DIR_ENV} (or {DATABASE_URL_ENV}) to a writable place.")
    elif is_sqlite(url) and "unable to open" in low:
        why = "the database file cannot be opened"
        hint = (f"Check that the folder of {url.database} exists and is writable, "
                f"or set {DATA_DIR_ENV} to another folder.")
    elif "locked" in low or "busy" in low:
        why = "the database stayed busy (another program is writing to it)"
        hint = "Try again in a moment."
    elif is_sqlite(url):
        why = "the database file cannot be used"
        hint = (f"Check the file, or set {DATA_DIR_ENV} / {DATABASE_URL_ENV} to another "
                "place.")
    else:
        why = "the database server cannot be reached or refused the request"
        hint = (f"Check that the server is running, and the host, port, user, password "
                f"and database name in {DATABASE_URL_ENV}.")
    return RecordsError(f"Could not {action} in the records database {where}: {why} "
                        f"({reason}).", hint, code="records_unavailable")

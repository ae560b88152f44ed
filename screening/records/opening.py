"""Opening the records database once per process: the URL resolved, the schema created or
upgraded, the app's earlier ``history.json`` imported once; the open databases are kept
(one engine each) until :func:`close_all`."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from . import migrate
from .db import RecordsError, database_url, default_data_dir
from .store import Records

HISTORY_FILE = "history.json"

_open: dict[str, Records] = {}
_open_lock = threading.Lock()


def open_records(url: str | URL | None = None, *, data_dir: str | Path | None = None,
                 env: dict | None = None) -> Records:
    """The records database (``url``, else ``PELVIC_SCREEN_DATABASE_URL``, else the SQLite
    file in the data folder), its schema created or upgraded on first use, and the earlier
    ``history.json`` of the data folder imported once. Raises RecordsError."""
    resolved = database_url(url, env)
    folder = Path(data_dir) if data_dir is not None else default_data_dir(env)
    key = resolved.render_as_string(hide_password=False) + "|" + str(folder)
    with _open_lock:
        records = _open.get(key)
        if records is not None:
            return records
        records = Records(resolved)
        try:
            migrate.upgrade(records.engine)
        except RecordsError:
            records.dispose()
            raise
        except (DBAPIError, SQLAlchemyError, OSError) as exc:
            records.dispose()
            raise records.explain(exc, "open or create the schema") from None
        history = folder / HISTORY_FILE
        if history.is_file():
            try:
                records.import_json_history(history)
            except RecordsError as exc:   # it does not block the records
                records.warnings.append(exc.one_line())
        _open[key] = records
        return records


def close_all() -> None:
    """Forget every open database (tests; a changed URL)."""
    with _open_lock:
        for records in _open.values():
            records.dispose()
        _open.clear()

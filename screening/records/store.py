"""Reading and writing the records: people, sessions and their side results.

Every query is limited to one organisation (default ``"local"``). Writes are retried when
two processes collide (a unique constraint decides who was first), so nothing is recorded
twice and nothing is lost.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload, sessionmaker

from ..config import recorded_value
from . import migrate
from .compare import asymmetry
from .db import (
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    RecordsError,
    database_url,
    default_data_dir,
    hide_password,
    is_sqlite,
    make_engine,
    scrub,
)
from .models import (
    DEFAULT_ORGANISATION,
    HistoryImport,
    Person,
    ScreeningSession,
    SideResult,
)

HISTORY_FILE = "history.json"
SOURCES = ("webcam", "upload", "cli", "batch", "import", "history")
_RETRIES = 8


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def sha256_of_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def clean_label(label: str) -> str:
    text = " ".join(str(label or "").split())
    if not text:
        raise ValueError("A person needs a label (a name or a pseudonymous id).")
    if len(text) > 200:
        raise ValueError("A person's label is at most 200 characters.")
    return text


@dataclass
class ImportSummary:
    recorded: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)   # "path: why"


class Records:
    """One records database. Use :func:`open_records` (it migrates on first use)."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.warnings: list[str] = []   # e.g. an earlier history that could not be read

    # -- facts about the database --------------------------------------------------------
    @property
    def safe_url(self) -> str:
        return hide_password(self.url)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @property
    def shared(self) -> bool:
        """A database server (several users): the app asks them to sign in."""
        return not self.is_sqlite

    def dispose(self) -> None:
        self.engine.dispose()

    # -- errors --------------------------------------------------------------------------
    def explain(self, exc: BaseException, action: str) -> RecordsError:
        """A RecordsError saying what failed, why and how to fix it; no password."""
        orig = getattr(exc, "orig", None) or exc
        reason = scrub(" ".join(str(orig).split("\n")[0].split()), self.url)[:300]
        where = self.safe_url
        low = reason.lower()
        if self.is_sqlite and ("readonly" in low or "read-only" in low):
            why = "the database file or its folder is read-only"
            hint = (f"Make {self.url.database} and its folder writable, or set "
                    f"{DATA_DIR_ENV} (or {DATABASE_URL_ENV}) to a writable place.")
        elif self.is_sqlite and "unable to open" in low:
            why = "the database file cannot be opened"
            hint = (f"Check that the folder of {self.url.database} exists and is writable, "
                    f"or set {DATA_DIR_ENV} to another folder.")
        elif "locked" in low or "busy" in low:
            why = "the database stayed busy (another program is writing to it)"
            hint = "Try again in a moment."
        elif self.is_sqlite:
            why = "the database file cannot be used"
            hint = (f"Check the file, or set {DATA_DIR_ENV} / {DATABASE_URL_ENV} to another "
                    "place.")
        else:
            why = "the database server cannot be reached or refused the request"
            hint = (f"Check that the server is running, and the host, port, user, password "
                    f"and database name in {DATABASE_URL_ENV}.")
        return RecordsError(f"Could not {action} in the records database {where}: {why} "
                            f"({reason}).", hint, code="records_unavailable")

    def _run(self, action: str, fn):
        """``fn(orm_session)`` in one transaction, retried when two writers collide."""
        last: BaseException | None = None
        for attempt in range(_RETRIES):
            try:
                with self._sessions() as s, s.begin():
                    return fn(s)
            except IntegrityError as exc:   # someone else inserted the same row first
                last = exc
            except OperationalError as exc:
                text = str(getattr(exc, "orig", exc)).lower()
                if not any(w in text for w in ("locked", "busy", "deadlock", "serializ")):
                    raise self.explain(exc, action) from None
                last = exc
            except (DBAPIError, SQLAlchemyError) as exc:
                raise self.explain(exc, action) from None
            time.sleep(0.05 * (attempt + 1))
        raise self.explain(last, action) from None

    # -- people --------------------------------------------------------------------------
    def _person(self, s: OrmSession, label: str, organisation: str, *,
                create: bool = False) -> Person | None:
        label = " ".join(str(label).split())
        person = s.scalar(select(Person).where(Person.organisation == organisation,
                                               Person.label == label))
        if person is None and create:
            person = Person(organisation=organisation, label=label, created_at=utcnow())
            s.add(person)
            s.flush()   # IntegrityError here when another process just created it
        return person

    def add_person(self, label: str, *, organisation: str = DEFAULT_ORGANISATION,
                   notes: str | None = None) -> str:
        label = clean_label(label)

        def work(s):
            person = self._person(s, label, organisation, create=True)
            if notes is not None:
                person.notes = notes
            return person.label
        return self._run("add a person", work)

    def people(self, *, organisation: str = DEFAULT_ORGANISATION) -> list[dict]:
        """Everyone of the organisation with their number of sessions and last visit."""
        def work(s):
            rows = s.execute(
                select(Person, func.count(ScreeningSession.id),
                       func.max(ScreeningSession.recorded_at))
                .outerjoin(ScreeningSession, ScreeningSession.person_id == Person.id)
                .where(Person.organisation == organisation)
                .group_by(Person.id).order_by(Person.label)).all()
            return [{"label": p.label, "notes": p.notes, "sessions": n,
                     "last_recorded_at": _iso(_aware(last)),
                     "created_at": _iso(_aware(p.created_at))} for p, n, last in rows]
        return self._run("list the people", work)

    def forget(self, label: str, *, organisation: str = DEFAULT_ORGANISATION) -> int | None:
        """Delete the person and every session and result of theirs; returns the number of
        sessions deleted, or None when there is no such person."""
        def work(s):
            person = self._person(s, label, organisation)
            if person is None:
                return None
            ids = select(ScreeningSession.id).where(ScreeningSession.person_id == person.id)
            s.execute(delete(SideResult).where(SideResult.session_id.in_(ids)))
            n = s.execute(delete(ScreeningSession)
                          .where(ScreeningSession.person_id == person.id)).rowcount
            s.execute(delete(Person).where(Person.id == person.id))
            return n
        return self._run("delete a person", work)

    # -- sessions ------------------------------------------------------------------------
    def record(self, doc: dict, *, person: str, source: str,
               organisation: str = DEFAULT_ORGANISATION, operator: str | None = None,
               notes: str | None = None, output_dir: str | Path | None = None,
               input_name: str | None = None, recorded_at: dt.datetime | None = None,
               force: bool = False, annotated_video: str | None = None,
               record_key: str | None = None) -> tuple[int, bool]:
        """Record one ``ok`` result document for ``person``; returns (session id, created).

        The same recording (same input sha256) for the same person updates its session,
        unless ``force``: then it is recorded as a further session (a repeat)."""
        if doc.get("status") != "ok":
            raise ValueError("only successful analyses are recorded")
        label = clean_label(person)
        sha = doc.get("input_sha256")
        if not sha and doc.get("input") and Path(str(doc["input"])).is_file():
            sha = sha256_of_file(doc["input"])
        key = record_key or sha or "result:" + hashlib.sha256(json.dumps(
            [Path(str(doc.get("input", ""))).name, doc.get("sides"), doc.get("tests")],
            sort_keys=True, default=str).encode()).hexdigest()
        name = input_name or Path(str(doc.get("input") or "video")).name
        when = recorded_at or utcnow()
        fields = {
            "source": source, "input_name": name[:500], "input_sha256": sha,
            "model_sha256": (doc.get("model") or {}).get("sha256"),
            "estimator": doc.get("estimator"), "config": doc.get("config"),
            "software_version": (doc.get("versions") or {}).get("pelvic-screen"),
            "output_dir": None if output_dir is None else str(output_dir),
            "annotated_video": annotated_video,
        }
        sides = side_rows(doc)

        def work(s):
            who = self._person(s, label, organisation, create=True)
            session = None
            final_key = key
            if force:
                existing = s.scalars(select(ScreeningSession.record_key).where(
                    ScreeningSession.person_id == who.id,
                    ScreeningSession.record_key.like(f"{key}%"))).all()
                if key in existing:
                    n = 2
                    while f"{key}#{n}" in existing:
                        n += 1
                    final_key = f"{key}#{n}"
            else:
                session = s.scalar(select(ScreeningSession).where(
                    ScreeningSession.person_id == who.id,
                    ScreeningSession.record_key == key))
            created = session is None
            if created:
                session = ScreeningSession(person_id=who.id, record_key=final_key,
                                           recorded_at=when, updated_at=utcnow(), **fields)
                session.operator, session.notes = operator or None, notes or None
                s.add(session)
                s.flush()   # IntegrityError when another process recorded it first
            else:
                for k, v in fields.items():
                    setattr(session, k, v)
                if operator is not None:   # None: kept; "": removed
                    session.operator = operator or None
                if notes is not None:
                    session.notes = notes or None
                session.updated_at = utcnow()
                s.execute(delete(SideResult).where(SideResult.session_id == session.id))
                s.flush()
            for row in sides:
                s.add(SideResult(session_id=session.id, **row))
            return session.id, created
        return self._run("record the result", work)

    def sessions(self, person: str, *, organisation: str = DEFAULT_ORGANISATION
                 ) -> list[dict] | None:
        """The person's sessions, oldest first (None when there is no such person)."""
        def work(s):
            who = self._person(s, person, organisation)
            if who is None:
                return None
            rows = s.scalars(select(ScreeningSession)
                             .where(ScreeningSession.person_id == who.id)
                             .options(selectinload(ScreeningSession.sides))
                             .order_by(ScreeningSession.recorded_at,
                                       ScreeningSession.id)).all()
            return [session_dict(r, who.label) for r in rows]
        return self._run("read the history", work)

    def delete_session(self, session_id: int, *,
                       organisation: str = DEFAULT_ORGANISATION) -> bool:
        def work(s):
            row = s.scalar(select(ScreeningSession).join(Person).where(
                ScreeningSession.id == session_id, Person.organisation == organisation))
            if row is None:
                return False
            s.execute(delete(SideResult).where(SideResult.session_id == row.id))
            s.execute(delete(ScreeningSession).where(ScreeningSession.id == row.id))
            return True
        return self._run("delete a session", work)

    # -- imports -------------------------------------------------------------------------
    def import_results(self, root: str | Path, *, person: str, source: str = "import",
                       organisation: str = DEFAULT_ORGANISATION, operator: str | None = None,
                       force: bool = False) -> ImportSummary:
        """Record every successful ``result.json`` under ``root`` (a result folder or a
        folder of them) for ``person``. Already recorded ones are updated, not doubled."""
        root = Path(root)
        files = [root] if root.is_file() else sorted(
            p for p in root.rglob("result.json")
            if not any(part.startswith(".") for part in p.relative_to(root).parts))
        summary = ImportSummary()
        for path in files:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                summary.skipped.append(f"{path}: cannot be read ({exc})")
                continue
            if not isinstance(doc, dict) or doc.get("status") != "ok":
                summary.skipped.append(f"{path}: not a successful analysis")
                continue
            when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
            _, created = self.record(doc, person=person, source=source,
                                     organisation=organisation, operator=operator,
                                     output_dir=path.parent, recorded_at=when, force=force)
            if created:
                summary.recorded += 1
            else:
                summary.updated += 1
        return summary

    def import_json_history(self, path: str | Path, *, default_person: str = "me",
                            organisation: str = DEFAULT_ORGANISATION) -> int | None:
        """Import the app's earlier JSON history once (the file is kept). Each entry goes
        to the person named by its label (``default_person`` when it has none). Returns the
        number of entries imported, or None when this file was imported before."""
        path = Path(path)
        resolved = str(path.resolve())
        if not path.is_file():
            return None
        raw = path.read_bytes()
        try:
            doc = json.loads(raw)
            entries = doc["entries"] if isinstance(doc, dict) else None
            if not isinstance(entries, list):
                raise ValueError("no 'entries' list")
        except (ValueError, KeyError) as exc:
            raise RecordsError(f"The earlier history {path} cannot be read ({exc}).",
                               "It is left as it is; move it away to stop this message.",
                               code="records_history") from None

        def done(s):
            return s.scalar(select(HistoryImport).where(HistoryImport.path == resolved))
        if self._run("check the imported history", done) is not None:
            return None
        n = 0
        for entry in entries:
            try:
                when = _aware(dt.datetime.fromisoformat(str(entry["recorded_at"])))
                tests = list(entry.get("tests") or [])
            except (KeyError, TypeError, ValueError):
                continue
            if not tests:
                continue
            result = history_entry_as_result(entry)
            self.record(result, person=(entry.get("label") or "").strip() or default_person,
                        source=entry.get("source") or "history", organisation=organisation,
                        recorded_at=when, input_name=entry.get("video") or "video",
                        record_key=f"history.json:{entry.get('id') or n}")
            n += 1

        def mark(s):
            if done(s) is None:
                s.add(HistoryImport(path=resolved, sha256=hashlib.sha256(raw).hexdigest(),
                                    n_entries=n, imported_at=utcnow()))
        self._run("mark the history as imported", mark)
        return n


# ---------------------------------------------------------------------------------------
# documents <-> rows


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def side_rows(doc: dict) -> list[dict]:
    """Column values of every ``sides`` entry of a result document (older documents
    without ``sides``: one side per hold)."""
    entries = doc.get("sides")
    if not entries:
        entries = [{**t, "n_holds": 1, "tests": [i]} for i, t in enumerate(doc.get("tests") or [])]
    rows = []
    for pos, side in enumerate(entries):
        drop = side.get("pelvic_drop_deg") or {}
        rows.append({
            "position": pos, "stance_side": side["stance_side"],
            "lifted_side": side.get("lifted_side"),
            "classification": side.get("classification") or "inconclusive",
            "drop_median_deg": drop.get("median"), "drop_p25_deg": drop.get("p25"),
            "drop_p75_deg": drop.get("p75"), "drop_peak_deg": drop.get("peak"),
            "trunk_lean_median_deg": (side.get("trunk_lean_deg") or {}).get("median"),
            "weak_side": side.get("weak_side"), "compensated": bool(side.get("compensated")),
            "n_holds": int(side.get("n_holds") or 1), "n_measured": side.get("n_measured"),
            "entry": side,
        })
    return rows


def side_dict(row: SideResult) -> dict:
    """The side as in result.json's ``sides``: the stored entry, numbers from the columns."""
    drop = {"median": row.drop_median_deg}
    for key, value in (("p25", row.drop_p25_deg), ("p75", row.drop_p75_deg),
                       ("peak", row.drop_peak_deg)):
        if value is not None:
            drop[key] = value
    return {**(row.entry or {}), "stance_side": row.stance_side,
            "lifted_side": row.lifted_side, "classification": row.classification,
            "pelvic_drop_deg": drop, "trunk_lean_deg": {"median": row.trunk_lean_median_deg},
            "weak_side": row.weak_side, "compensated": row.compensated,
            "n_holds": row.n_holds, "n_measured": row.n_measured}


def session_dict(row: ScreeningSession, person: str) -> dict:
    cfg = row.config or {}
    out = {
        "id": row.id, "person": person, "recorded_at": _iso(_aware(row.recorded_at)),
        "source": row.source, "input": row.input_name, "input_sha256": row.input_sha256,
        "model_sha256": row.model_sha256, "estimator": row.estimator,
        "software_version": row.software_version, "operator": row.operator,
        "notes": row.notes, "output_dir": row.output_dir,
        "annotated_video": row.annotated_video,
        "thresholds": {name: float(recorded_value(cfg, name))
                       for name in ("negative_below_deg", "positive_from_deg")},
        "config": cfg,
        "sides": [side_dict(side) for side in row.sides],
    }
    out["asymmetry"] = asymmetry(out)
    return out


def history_entry_as_result(entry: dict) -> dict:
    """An entry of the earlier JSON history (one per hold) as a result document with one
    side per stance leg. A leg with several holds gets the medians of their numbers and is
    classed from them with the default thresholds (2 and 4 deg)."""
    by_side: dict[str, list[dict]] = {}
    for t in entry.get("tests") or []:
        by_side.setdefault(t["stance_side"], []).append(t)
    sides = []
    for stance, tests in by_side.items():
        measured = [t for t in tests if t.get("classification") != "inconclusive"
                    and t.get("drop_median_deg") is not None]

        def med(key, rows=measured):
            vals = sorted(t[key] for t in rows if t.get(key) is not None)
            if not vals:
                return None
            mid = len(vals) // 2
            return round(vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2, 2)

        if len(tests) == 1:
            cls = tests[0].get("classification") or "inconclusive"
        elif not measured:
            cls = "inconclusive"
        else:
            d = med("drop_median_deg")
            cls = "positive" if d >= 4.0 else "borderline" if d >= 2.0 else "negative"
        compensated = any(t.get("compensated") for t in measured)
        sides.append({
            "stance_side": stance, "lifted_side": "left" if stance == "right" else "right",
            "n_holds": len(tests), "n_measured": len(measured),
            "pelvic_drop_deg": {"median": med("drop_median_deg"), "p25": med("drop_p25_deg"),
                                "p75": med("drop_p75_deg")},
            "trunk_lean_deg": {"median": med("trunk_lean_median_deg")},
            "classification": cls, "compensated": compensated,
            "weak_side": stance if cls in ("positive", "borderline") or compensated else None,
            "history_tests": tests,
        })
    return {"status": "ok", "input": entry.get("video") or "video", "sides": sides,
            "tests": entry.get("tests"), "config": {"negative_below_deg": 2.0,
                                                    "positive_from_deg": 4.0}}


CSV_COLUMNS = ("person", "recorded_at", "source", "input", "stance_side", "classification",
               "pelvic_drop_median_deg", "pelvic_drop_p25_deg", "pelvic_drop_p75_deg",
               "pelvic_drop_peak_deg", "trunk_lean_median_deg", "weak_side", "compensated",
               "n_holds", "asymmetry_left_minus_right_deg", "asymmetry_exceeds_noise",
               "operator", "notes")


def sessions_csv(sessions: list[dict]) -> str:
    """One row per tested side of every session."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for ses in sessions:
        asym = ses.get("asymmetry") or {}
        for side in ses["sides"]:
            drop = side.get("pelvic_drop_deg") or {}
            row = {"person": ses["person"], "recorded_at": ses["recorded_at"],
                   "source": ses["source"], "input": ses["input"],
                   "stance_side": side["stance_side"],
                   "classification": side["classification"],
                   "pelvic_drop_median_deg": drop.get("median"),
                   "pelvic_drop_p25_deg": drop.get("p25"),
                   "pelvic_drop_p75_deg": drop.get("p75"),
                   "pelvic_drop_peak_deg": drop.get("peak"),
                   "trunk_lean_median_deg": (side.get("trunk_lean_deg") or {}).get("median"),
                   "weak_side": side.get("weak_side"), "compensated": side.get("compensated"),
                   "n_holds": side.get("n_holds"),
                   "asymmetry_left_minus_right_deg": asym.get("difference_deg"),
                   "asymmetry_exceeds_noise": asym.get("exceeds_noise"),
                   "operator": ses.get("operator"), "notes": ses.get("notes")}
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


# ---------------------------------------------------------------------------------------
# opening


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

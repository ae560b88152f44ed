"""Reading and writing the records: people, sessions and their side results, and imports
of result folders and of the app's earlier history.

Every query is limited to one organisation (default ``"local"``). Writes are retried when
two processes collide (a unique constraint decides who was first), so nothing is recorded
twice and nothing is lost. Beside it: ``rows`` (result documents to rows and back),
``export`` (CSV), ``opening`` (one open database per URL), ``db`` (URLs, engines and what
a database failure means).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload, sessionmaker

from ..jsondoc import plain
from ..results import DropStats, Result, ResultReadError, read_result
from .db import RecordsError, explain, hide_password, is_sqlite, make_engine
from .models import (
    DEFAULT_ORGANISATION,
    HistoryImport,
    Person,
    ScreeningSession,
    SideResult,
)
from .rows import aware_utc, history_entry_as_result, iso, session_dict, side_rows

SOURCES = ("webcam", "upload", "cli", "batch", "import", "history")
_RETRIES = 8


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


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
        return explain(self.url, exc, action)

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
                     "last_recorded_at": iso(aware_utc(last)),
                     "created_at": iso(aware_utc(p.created_at))} for p, n, last in rows]
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
    def record(self, result: Result, *, person: str, source: str,
               organisation: str = DEFAULT_ORGANISATION, operator: str | None = None,
               notes: str | None = None, output_dir: str | Path | None = None,
               input_name: str | None = None, recorded_at: dt.datetime | None = None,
               force: bool = False, annotated_video: str | None = None,
               record_key: str | None = None,
               side_spreads: Mapping[str, DropStats] | None = None) -> tuple[int, bool]:
        """Record one ``ok`` result for ``person``; returns (session id, created).

        The same recording (same input sha256; without one, the same stored result) for the
        same person updates its session, unless ``force``: then it is recorded as a further
        session (a repeat). ``side_spreads``: the p25/p75/peak of a side's drop by stance
        side, when known (see :func:`screening.records.rows.side_rows`)."""
        if not result.ok:
            raise ValueError("only successful analyses are recorded")
        label = clean_label(person)
        sha = result.input_sha256
        if not sha and result.input and Path(result.input).is_file():
            sha = sha256_of_file(result.input)
        key = record_key or sha or "result:" + result.fingerprint
        name = input_name or result.name
        when = recorded_at or utcnow()
        fields = {
            "source": source, "input_name": name[:500], "input_sha256": sha,
            "model_sha256": (result.model or {}).get("sha256"),
            "estimator": result.estimator, "config": plain(result.config) or None,
            "software_version": result.versions.get("pelvic-screen"),
            "output_dir": None if output_dir is None else str(output_dir),
            "annotated_video": annotated_video,
        }
        sides = side_rows(result, side_spreads)

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
                result = read_result(path)
            except ResultReadError as exc:
                summary.skipped.append(f"{path}: cannot be read ({exc.message})")
                continue
            if not result.ok:
                summary.skipped.append(f"{path}: not a successful analysis")
                continue
            when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
            _, created = self.record(result, person=person, source=source,
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
                when = aware_utc(dt.datetime.fromisoformat(str(entry["recorded_at"])))
                tests = list(entry.get("tests") or [])
            except (KeyError, TypeError, ValueError):
                continue
            if not tests:
                continue
            result, spreads = history_entry_as_result(entry)
            self.record(result, person=(entry.get("label") or "").strip() or default_person,
                        source=entry.get("source") or "history", organisation=organisation,
                        recorded_at=when, input_name=entry.get("video") or "video",
                        record_key=f"history.json:{entry.get('id') or n}",
                        side_spreads=spreads)
            n += 1

        def mark(s):
            if done(s) is None:
                s.add(HistoryImport(path=resolved, sha256=hashlib.sha256(raw).hexdigest(),
                                    n_entries=n, imported_at=utcnow()))
        self._run("mark the history as imported", mark)
        return n



"""The tables: people, sessions (one visit: one analysed recording), side results (one
verdict per stance leg, as in result.json's ``sides``) and the JSON histories imported.

No video and no frame is stored: numbers, verdicts, settings and provenance only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEFAULT_ORGANISATION = "local"


class Base(DeclarativeBase):
    pass


class Person(Base):
    """Someone tested: a label or a pseudonymous id, unique within an organisation."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("organisation", "label",
                                       name="uq_people_organisation_label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(100), default=DEFAULT_ORGANISATION,
                                              index=True)
    label: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    sessions: Mapped[list[ScreeningSession]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ScreeningSession.recorded_at")


class ScreeningSession(Base):
    """One visit: one analysed recording of one person (both legs when both were tested).

    ``record_key`` identifies the recording for this person (the input's sha256; a
    ``--force`` repeat gets ``sha256#2`` ...), so analysing it again updates the session."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("person_id", "record_key",
                                       name="uq_sessions_person_record_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    record_key: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    source: Mapped[str] = mapped_column(String(20))   # webcam, upload, cli, batch, import
    input_name: Mapped[str] = mapped_column(String(500))
    input_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    model_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    estimator: Mapped[str | None] = mapped_column(String(50), nullable=True)
    config: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    software_version: Mapped[str | None] = mapped_column(String(50), nullable=True)
    operator: Mapped[str | None] = mapped_column(String(200), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_dir: Mapped[str | None] = mapped_column(Text, nullable=True)
    annotated_video: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship(back_populates="sessions")
    sides: Mapped[list[SideResult]] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True,
        order_by="SideResult.position")


class SideResult(Base):
    """One tested stance leg of a session: result.json's ``sides`` entry, numbers and
    verdict in columns, and the whole entry as JSON so nothing is lost."""

    __tablename__ = "side_results"
    __table_args__ = (UniqueConstraint("session_id", "stance_side",
                                       name="uq_side_results_session_side"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)   # order first tested
    stance_side: Mapped[str] = mapped_column(String(10))
    lifted_side: Mapped[str | None] = mapped_column(String(10), nullable=True)
    classification: Mapped[str] = mapped_column(String(20))
    drop_median_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    drop_p25_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    drop_p75_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    drop_peak_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    trunk_lean_median_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    weak_side: Mapped[str | None] = mapped_column(String(10), nullable=True)
    compensated: Mapped[bool] = mapped_column(Boolean, default=False)
    n_holds: Mapped[int] = mapped_column(Integer, default=1)
    n_measured: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entry: Mapped[dict] = mapped_column(JSON)

    session: Mapped[ScreeningSession] = relationship(back_populates="sides")


class HistoryImport(Base):
    """A JSON history file (the app's earlier ``history.json``) already imported: it is
    imported once and the file is kept."""

    __tablename__ = "history_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    n_entries: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

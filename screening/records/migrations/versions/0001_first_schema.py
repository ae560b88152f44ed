"""The first database schema: people, sessions, side results, imported JSON histories.

(Before it, the app kept a JSON file, history.json; it is imported on first use.)

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation", sa.String(100), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation", "label", name="uq_people_organisation_label"),
    )
    op.create_index("ix_people_organisation", "people", ["organisation"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer,
                  sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("record_key", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("input_name", sa.String(500), nullable=False),
        sa.Column("input_sha256", sa.String(64), nullable=True),
        sa.Column("model_sha256", sa.String(64), nullable=True),
        sa.Column("estimator", sa.String(50), nullable=True),
        sa.Column("config", sa.JSON, nullable=True),
        sa.Column("software_version", sa.String(50), nullable=True),
        sa.Column("operator", sa.String(200), nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("output_dir", sa.Text, nullable=True),
        sa.Column("annotated_video", sa.Text, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person_id", "record_key", name="uq_sessions_person_record_key"),
    )
    op.create_index("ix_sessions_person_id", "sessions", ["person_id"])
    op.create_index("ix_sessions_recorded_at", "sessions", ["recorded_at"])
    op.create_table(
        "side_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("stance_side", sa.String(10), nullable=False),
        sa.Column("lifted_side", sa.String(10), nullable=True),
        sa.Column("classification", sa.String(20), nullable=False),
        sa.Column("drop_median_deg", sa.Float, nullable=True),
        sa.Column("drop_p25_deg", sa.Float, nullable=True),
        sa.Column("drop_p75_deg", sa.Float, nullable=True),
        sa.Column("drop_peak_deg", sa.Float, nullable=True),
        sa.Column("trunk_lean_median_deg", sa.Float, nullable=True),
        sa.Column("weak_side", sa.String(10), nullable=True),
        sa.Column("compensated", sa.Boolean, nullable=False),
        sa.Column("n_holds", sa.Integer, nullable=False),
        sa.Column("n_measured", sa.Integer, nullable=True),
        sa.Column("entry", sa.JSON, nullable=False),
        sa.UniqueConstraint("session_id", "stance_side", name="uq_side_results_session_side"),
    )
    op.create_index("ix_side_results_session_id", "side_results", ["session_id"])
    op.create_table(
        "history_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String(1000), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("n_entries", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("history_imports")
    op.drop_table("side_results")
    op.drop_table("sessions")
    op.drop_table("people")

"""Alembic migrations of the records database, run by screening.records.migrate."""

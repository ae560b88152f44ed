"""Alembic environment: always run programmatically with a connection in
``config.attributes["connection"]`` (see screening.records.migrate)."""

from alembic import context

from screening.records.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: run through :mod:`mirror.storage.migrate`, which opens the connection
(and its transaction) and hands it over in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from mirror.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "fic-mirror's migrations run through 'mirror db upgrade' (mirror.storage.migrate), "
        "which supplies the database connection; offline SQL generation is not supported")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite: ALTERs become "copy the table" batches
    compare_type=True,
    # the caller's transaction covers every migration (SQLite has transactional DDL too)
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()

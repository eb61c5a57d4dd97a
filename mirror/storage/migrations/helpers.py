"""Guards for migrations that may meet a database made before Alembic managed the schema.

Until migrations existed, fic-mirror created missing *tables* with ``create_all`` on every
start, so a database may already hold a table a migration creates (while still missing a
column a later version added).  A migration therefore creates a table or adds a column only
when it is not there yet; on a database Alembic made from the start these guards are no-ops.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import inspect


def has_table(name: str) -> bool:
    return inspect(op.get_bind()).has_table(name)


def has_column(table: str, column: str) -> bool:
    return column in {c["name"] for c in inspect(op.get_bind()).get_columns(table)}

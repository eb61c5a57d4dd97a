"""The database's failures, named for code outside :mod:`mirror.storage`.

Callers catch :data:`DatabaseError` rather than importing SQLAlchemy: the storage package is the one
place that knows which database library it runs on.
"""

from sqlalchemy.exc import SQLAlchemyError

#: Any failure the database library raised (a lost connection, a locked or damaged file, a refused
#: statement).  :class:`mirror.storage.store.StorageError` is the storage layer's own, separate.
DatabaseError = SQLAlchemyError

__all__ = ["DatabaseError"]

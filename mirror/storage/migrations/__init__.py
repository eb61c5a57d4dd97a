"""Alembic environment of fic-mirror's database schema (see :mod:`mirror.storage.migrate`).

``versions/`` holds one migration per schema change, numbered ``0001``, ``0002``, ...;
``0001`` is the schema of the first release (0.1.0).  Run them with ``mirror db upgrade``.
"""

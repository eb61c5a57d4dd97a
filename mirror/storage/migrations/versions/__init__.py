"""Migrations, oldest first (``0001`` = the first released schema)."""

"""Fixtures for every test module.

``backend``: each database the crawl tests store into, SQLite and PostgreSQL (the one at
``MIRROR_TEST_POSTGRES_URL``; CI sets it, and without it the PostgreSQL runs are skipped, saying
why).  Module-scoped, so a module's shared crawl runs once per backend.  Pair it with
``tests.storage_fixtures.database(backend, folder)`` for a fresh database.
"""

from __future__ import annotations

import pytest

from tests.storage_fixtures import BACKENDS, skip_without_postgres


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    skip_without_postgres(request.param)
    return request.param

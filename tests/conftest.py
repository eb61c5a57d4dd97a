"""Fixtures for every test module.

Every test that stores into a database runs on both backends, SQLite and PostgreSQL (the one at
``MIRROR_TEST_POSTGRES_URL``; CI sets it, and without it the PostgreSQL runs are skipped, saying
why):

``db``: a fresh, empty database URL for one test (a SQLite file under ``tmp_path``, or a
PostgreSQL schema of its own, dropped afterwards), parametrised over both backends.

``backend``: the backend's name, module-scoped, so a module's shared crawl runs once per
backend.  Pair it with ``tests.storage_fixtures.database(backend, folder, name)`` for a fresh
database (a test that needs two databases asks for ``backend`` and makes both).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.storage_fixtures import BACKENDS, database, skip_without_postgres


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    skip_without_postgres(request.param)
    return request.param


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        yield url

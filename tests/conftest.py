"""Shared pytest fixtures, one section per area of the workbook."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

# ==================================================================================================
# store: a fresh, empty database for every test of workbook.store
#
# SQLite (a file in the test's tmp_path) always; PostgreSQL as well when
# WORKBOOK_TEST_DATABASE_URL is set, e.g.
#     WORKBOOK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# Its user must be allowed to create databases: each test gets a database of its own on that
# server, dropped afterwards, so tests never see each other's rows.
# ==================================================================================================

STORE_TEST_URL_ENV = "WORKBOOK_TEST_DATABASE_URL"


def _store_backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(STORE_TEST_URL_ENV) else ["sqlite"]


def _fresh_postgres_database(server_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"workbook_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses transactions
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            # FORCE: a connection a test leaked (e.g. a killed subprocess's) must not keep it alive.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=_store_backends())
def store_url(request, tmp_path) -> Iterator[str]:
    """The SQLAlchemy URL of an empty database, for each backend under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workbook.sqlite'}"
    else:
        yield from _fresh_postgres_database(os.environ[STORE_TEST_URL_ENV])


@pytest.fixture
def store(store_url):
    """A :class:`workbook.store.Store` on :func:`store_url`, closed after the test."""
    from workbook.store import Store

    opened = Store(store_url)
    yield opened
    opened.close()


# ==================================================================================================

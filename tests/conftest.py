"""Shared fixtures: a throwaway PostgreSQL database per test session (never skipped:
if the server at 127.0.0.1:5432 is missing, the PostgreSQL tests fail loudly)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

from tests.servers import Dovecot, SmtpServer

BILLING = "billing@example.com"
BILLING_PASSWORD = "s3cret-imap"

PG_ADMIN = os.environ.get(
    "ARCLERK_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)


@contextlib.contextmanager
def _throwaway_database(prefix: str) -> Iterator[str]:
    """Create a database, yield its SQLAlchemy URL, drop it afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_ADMIN!r} is required for these tests: {exc}")
    params = dict(p.split("=", 1) for p in PG_ADMIN.split())
    try:
        yield f"postgresql+psycopg://{params['user']}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One database for the session's store tests (they clean up after themselves)."""
    with _throwaway_database("arclerk_test") as url:
        yield url


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """A database of its own for one test (multi-instance runs need a clean slate)."""
    with _throwaway_database("arclerk_t") as url:
        yield url


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A private Dovecot with the billing mailbox, on a free loopback port."""
    server = Dovecot({BILLING: BILLING_PASSWORD}).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd on a free loopback port; set `.faults` to script failures."""
    server = SmtpServer().start()
    yield server
    server.stop()

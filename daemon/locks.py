"""One reader per mailbox across instances: a PostgreSQL session advisory lock, held on a
dedicated connection for as long as this process reads the mailbox. If the holder dies,
its connection closes, the lock is freed and the next instance to try takes over.
SQLite is single-host and single-writer: there the lock is always granted.
"""

from __future__ import annotations

import contextlib
import hashlib

import structlog
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from ledger.store import Store

log = structlog.get_logger("arclerk.locks")


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory locks."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class InboxLock:
    def __init__(self, store: Store, mailbox: str) -> None:
        self.store = store
        self.key = lock_key(f"arclerk-inbox:{mailbox}")
        self.conn: Connection | None = None
        self.held = store.is_sqlite

    def acquire(self) -> bool:
        if self.store.is_sqlite:
            return True
        try:
            if self.conn is not None:
                self.conn.execute(text("SELECT 1"))  # still alive (and so still holding)?
                if self.held:
                    return True
            else:
                self.conn = self.store.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            got = bool(
                self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            )
        except SQLAlchemyError as exc:
            log.warning("inbox_lock_lost", error=str(exc))
            self._reset()
            return False
        if got and not self.held:
            log.info("inbox_lock_acquired")
        self.held = got
        return got

    def _reset(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                self.conn.close()
        self.conn = None
        self.held = False

    def release(self) -> None:
        if self.conn is not None and self.held:
            with contextlib.suppress(SQLAlchemyError):
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        self._reset()

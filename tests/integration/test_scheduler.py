"""The dunning tick against a real SQLite store: paging, idempotency, local dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from daemon.scheduler import local_midnight_utc, tick
from ledger.importer import InvoiceIn, import_invoices
from ledger.schema import invoices, outbox
from ledger.store import Store
from rules.loader import load

RULES = load(None)


def _store(tmp_path: Path, n: int, tz: str = "UTC") -> Store:
    store = Store(f"sqlite:///{tmp_path / 'l.db'}")
    store.migrate()
    models = [
        InvoiceIn.model_validate({
            "number": f"INV-{i}", "customer": {"id": f"C{i}", "name": "N", "email": f"a{i}@x.example",
                                               "timezone": tz},
            "currency": "EUR", "issue_date": "2026-11-01", "due_date": "2026-12-01",
            "lines": [{"description": "d", "quantity": "1", "unit_price": "10.00"}],
        })
        for i in range(n)
    ]  # fmt: skip
    import_invoices(store, models, dt.datetime(2026, 11, 1, tzinfo=dt.UTC), "X{seq}", "t")
    return store


def _queued(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def test_tick_pages_through_everything_due_once(tmp_path: Path) -> None:
    """With a batch smaller than the work, every due invoice is handled exactly once."""
    store = _store(tmp_path, 7)
    now = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    assert tick(store, RULES, now, "example.com", batch=3) == 7
    assert tick(store, RULES, now, "example.com", batch=3) == 0
    assert _queued(store) == 7


def test_tick_is_idempotent_across_days(tmp_path: Path) -> None:
    """Running every day for two months queues the invoice and three reminders, no more."""
    store = _store(tmp_path, 1)
    day = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    for _ in range(70):
        tick(store, RULES, day, "example.com")
        tick(store, RULES, day, "example.com")  # a second instance or a re-run the same day
        day += dt.timedelta(days=1)
    with store.read() as conn:
        steps = conn.execute(select(outbox.c.step).order_by(outbox.c.id)).scalars().all()
    assert steps == [None, "first", "second", "final"]


def test_next_action_is_local_midnight_across_dst(tmp_path: Path) -> None:
    """A Berlin customer's reminder date turns into 23:00 UTC the day before (CET, winter)."""
    store = _store(tmp_path, 1, tz="Europe/Berlin")
    tick(store, RULES, dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), "example.com")
    with store.read() as conn:
        nxt = conn.execute(select(invoices.c.next_action_at)).scalar_one()
    assert nxt == dt.datetime(2026, 12, 3, 23, tzinfo=dt.UTC)
    assert local_midnight_utc(dt.date(2026, 7, 1), "Europe/Berlin") == dt.datetime(
        2026, 6, 30, 22, tzinfo=dt.UTC
    )

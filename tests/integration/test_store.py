"""The ledger store on SQLite and on a real PostgreSQL: migrations, atomic imports,
allocations, the append-only audit log, gap-free numbering, payment idempotency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from ledger import events as events_mod
from ledger import invoices as inv
from ledger import numbering, payments
from ledger.errors import InputError
from ledger.importer import InvoiceIn, import_invoices
from ledger.schema import events, sequences
from ledger.store import Store

NOW = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = Store(url)
    s.migrate()
    yield s
    if request.param == "postgres":
        with s.engine.begin() as conn:
            tables = ", ".join(t for t in ("allocations", "payments", "review_items", "outbox",
                                           "events", "invoice_lines", "invoices", "customers",
                                           "inbound", "sequences"))  # fmt: skip
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
            conn.execute(text(f"TRUNCATE {tables} CASCADE"))
            conn.execute(text("ALTER TABLE events ENABLE TRIGGER events_append_only"))
    s.dispose()


def _model(number: str | None, amount: str = "100.00", cid: str = "C1") -> InvoiceIn:
    return InvoiceIn.model_validate({
        "number": number, "customer": {"id": cid, "name": "Acme Ltd", "email": "ap@acme.example"},
        "currency": "EUR", "issue_date": "2026-11-01", "due_date": "2026-12-01",
        "lines": [{"description": "Work", "quantity": "3", "unit_price": amount, "tax_rate": "0.19"}],
    })  # fmt: skip


def test_migrations_reach_head(store: Store) -> None:
    """A fresh database is migrated to the newest Alembic revision, and again is a no-op."""
    assert store.current_revision() == store.head_revision()
    store.migrate()
    assert store.current_revision() == store.head_revision()


def test_import_is_idempotent_and_conflicts_roll_back(store: Store) -> None:
    """Same content re-imports as a no-op; different content fails and stores nothing new."""
    r1 = import_invoices(store, [_model("INV-1")], NOW, "INV-{year}-{seq:04d}", "t")
    r2 = import_invoices(store, [_model("INV-1")], NOW, "INV-{year}-{seq:04d}", "t")
    assert (r1.created, r2.unchanged) == (["INV-1"], ["INV-1"])
    with pytest.raises(InputError, match="INV-1"):
        import_invoices(store, [_model("INV-2"), _model("INV-1", "999.00")], NOW, "X{seq}", "t")
    with store.read() as conn:
        assert [r["number"] for r in inv.list_rows(conn)] == ["INV-1"]


def test_totals_and_allocation_states(store: Store) -> None:
    """3 x 100.00 at 19% totals 357.00; a part payment leaves it partially paid, the rest pays it."""
    import_invoices(store, [_model("INV-7")], NOW, "INV-{year}-{seq:04d}", "t")
    with store.write() as conn:
        row = inv.find_by_number(conn, "INV-7")
        assert row is not None
        assert row["total_minor"] == 35700
        pid = payments.record(conn, amount=Decimal("357.00"), currency="EUR", date=None,
                              reference="INV-7", payer="Acme", source_message_id="<m@x>",
                              inbound_id=None, transaction_id="T1", now=NOW)  # fmt: skip
        assert pid is not None
        inv.allocate(conn, payment_id=pid, invoice_id=row["id"], amount_minor=15700,
                     rule="r", confidence=Decimal("0.99"), now=NOW, cause="test")  # fmt: skip
        assert inv.load(conn, row["id"]).status.value == "partially_paid"
        inv.allocate(conn, payment_id=pid, invoice_id=row["id"], amount_minor=20000,
                     rule="r", confidence=Decimal("0.99"), now=NOW, cause="test")  # fmt: skip
        loaded = inv.load(conn, row["id"])
        assert (loaded.status.value, loaded.open_amount) == ("paid", Decimal("0.00"))
        with pytest.raises(ValueError, match="exceeds"):
            inv.allocate(conn, payment_id=pid, invoice_id=row["id"], amount_minor=1,
                         rule="r", confidence=Decimal(1), now=NOW, cause="test")  # fmt: skip


def test_same_payment_is_recorded_once(store: Store) -> None:
    """The same transaction id (or the same details) never makes a second payment."""
    with store.write() as conn:
        kw = {"amount": Decimal("10.00"), "currency": "EUR", "date": dt.date(2026, 11, 2),
                  "reference": "R", "payer": "P", "source_message_id": "<a@b>", "inbound_id": None, "now": NOW}  # fmt: skip
        assert payments.record(conn, transaction_id="X1", **kw) is not None  # type: ignore[arg-type]
        assert payments.record(conn, transaction_id="x1 ", **kw) is None  # type: ignore[arg-type]
        assert payments.record(conn, transaction_id=None, **kw) is not None  # type: ignore[arg-type]
        assert payments.record(conn, transaction_id=None, **kw) is None  # type: ignore[arg-type]


def test_events_are_append_only(store: Store) -> None:
    """The database itself refuses to update or delete audit events."""
    import_invoices(store, [_model("INV-9")], NOW, "INV-{year}-{seq:04d}", "t")
    for stmt in ("UPDATE events SET cause = 'forged'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"), store.write() as conn:
            conn.execute(text(stmt))
    with store.read() as conn:
        assert conn.execute(select(events.c.cause)).scalars().first() == "imported from t"


def test_numbering_is_gap_free_across_rollbacks(store: Store) -> None:
    """A number taken by a rolled-back transaction is given out again: no gaps."""
    with store.write() as conn:
        assert numbering.next_invoice_number(conn, "INV-{year}-{seq:04d}", 2026) == "INV-2026-0001"

    def take_then_abort() -> None:
        with store.write() as conn:
            numbering.next_invoice_number(conn, "INV-{year}-{seq:04d}", 2026)
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        take_then_abort()
    with store.write() as conn:
        assert numbering.next_invoice_number(conn, "INV-{year}-{seq:04d}", 2026) == "INV-2026-0002"
        assert conn.execute(select(sequences.c.next_value)).scalar_one() == 3


def test_unnumbered_invoices_are_numbered_once(store: Store) -> None:
    """Invoices without a number get consecutive ones; re-importing them creates nothing."""
    models = [_model(None, "100.00"), _model(None, "200.00")]
    first = import_invoices(store, models, NOW, "INV-{year}-{seq:04d}", "t")
    again = import_invoices(store, models, NOW, "INV-{year}-{seq:04d}", "t")
    assert first.created == ["INV-2026-0001", "INV-2026-0002"]
    assert again.created == []
    assert sorted(again.unchanged) == first.created


def test_naive_datetimes_are_refused(store: Store) -> None:
    """The store never accepts a datetime without a time zone."""
    with store.write() as conn, pytest.raises(Exception, match="naive"):
        events_mod.record(conn, dt.datetime(2026, 1, 1), "k", "c")


def test_migrations_match_the_schema(store: Store) -> None:
    """The tables Alembic creates are exactly the ones ledger/schema.py declares."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ledger.schema import metadata

    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    # server defaults and type affinities differ in spelling between engines; structure must not
    assert [d for d in diffs if d[0] in ("add_table", "remove_table", "add_column", "remove_column",
                                         "add_index", "remove_index")] == []  # fmt: skip


def test_upgrade_fills_customer_email_keys(tmp_path: Path) -> None:
    """Customers stored before migration 0004 get their lookup keys filled by it."""
    from alembic import command

    from ledger.store import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store(url)
    with store.engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.execute(text("INSERT INTO customers (id, name, email, language, timezone, address, created_at) "
                          "VALUES ('C1', 'Acme', 'AP@Acme.Example', 'en', 'UTC', '', '2026-11-01 00:00:00')"))  # fmt: skip
    store.migrate()
    with store.read() as conn:
        row = conn.execute(text("SELECT email_key, email_domain FROM customers")).one()
    store.dispose()
    assert tuple(row) == ("ap@acme.example", "acme.example")

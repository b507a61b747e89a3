"""The inbound pipeline in-process on SQLite: batches, dedup inside a batch, poison messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from daemon.pipeline import Context, Pipeline
from ledger import payments, reviews
from ledger.importer import InvoiceIn, import_invoices
from ledger.store import Store
from rules.loader import load
from tests.helpers import bank_notification

NOW = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    store.migrate()
    models = [InvoiceIn.model_validate({
        "number": f"INV-{i}", "customer": {"id": f"C{i}", "name": f"Cust {i}", "email": f"a@c{i}.example"},
        "currency": "EUR", "issue_date": "2026-11-01", "due_date": "2026-12-01",
        "lines": [{"description": "d", "quantity": "1", "unit_price": "100.00"}]}) for i in range(3)]  # fmt: skip
    import_invoices(store, models, NOW, "X{seq}", "t")
    return Pipeline(store, Context(load(None), "mx.example.com", "example.com", None))


def test_duplicates_inside_one_batch_have_no_second_effect(pipeline: Pipeline) -> None:
    """The same notification twice in one batch: one payment, the second is a duplicate."""
    raw = bank_notification("100.00", "INV-1", msgid="<d@bank.example>").encode()
    outs = pipeline.process_batch([(raw, "k1"), (raw, "k2")], "mbox", NOW)
    assert [o.duplicate for o in outs] == [False, True]
    with pipeline.store.read() as conn:
        assert len(payments.list_rows(conn)) == 1


def test_poison_message_is_quarantined_and_the_rest_applied(pipeline: Pipeline,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A message whose handling raises is kept with a review item; its neighbours in the
    batch are applied as usual and nothing of the failed one is half-applied."""
    real_apply = pipeline._apply

    def apply(conn, inbound_id, facts, now):  # type: ignore[no-untyped-def]
        if facts.message_id == "<poison@bank.example>":
            payments.record(conn, amount=__import__("decimal").Decimal("1.00"), currency="EUR", date=None,
                            reference="half", payer="x", source_message_id="<poison@bank.example>",
                            inbound_id=inbound_id, transaction_id="HALF", now=now)  # fmt: skip
            raise RuntimeError("boom")
        return real_apply(conn, inbound_id, facts, now)

    monkeypatch.setattr(pipeline, "_apply", apply)
    batch = [
        (bank_notification("100.00", "INV-0", msgid="<ok1@bank.example>").encode(), "a"),
        (bank_notification("100.00", "INV-1", msgid="<poison@bank.example>").encode(), "b"),
        (bank_notification("100.00", "INV-2", msgid="<ok2@bank.example>").encode(), "c"),
    ]
    outs = pipeline.process_batch(batch, "mbox", NOW)
    assert [o.kind for o in outs] == ["payment_confirmation", "error", "payment_confirmation"]
    with pipeline.store.read() as conn:
        refs = sorted(p["reference"] for p in payments.list_rows(conn))
        open_items = reviews.list_open(conn)
    assert refs == ["INV-0", "INV-2"]  # the half-applied payment was rolled back
    assert any("RuntimeError: boom" in r["reason"] for r in open_items)
    again = pipeline.process_batch([batch[1]], "mbox", NOW)
    assert again[0].duplicate  # kept, and never retried into a loop

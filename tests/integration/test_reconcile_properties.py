"""Reconciliation in the ledger, for any order and mix of notifications (hypothesis): money
is conserved, the same evidence twice changes nothing, no open amount goes negative, and
clear cases end the same whatever order they arrive in."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from daemon.pipeline import Context, Pipeline
from ledger.importer import InvoiceIn, import_invoices
from ledger.schema import allocations, invoices, payments
from ledger.store import Store
from rules.loader import load
from tests.helpers import bank_notification

NOW = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
#: number -> (customer, total); C2 has two invoices of the same amount (twins)
BOOK = {"INV-2026-0001": ("C1", "100.00"), "INV-2026-0002": ("C1", "250.00"),
        "INV-2026-0003": ("C2", "80.00"), "INV-2026-0004": ("C2", "80.00"),
        "INV-2026-0005": ("C3", "1190.00")}  # fmt: skip
NAMES = {"C1": "Acme Widgets Ltd", "C2": "Beta GmbH", "C3": "Gamma SARL"}

#: (amount, reference, payer): clear and unclear evidence, some of it paying too much
EVIDENCE = [
    ("100.00", "INV-2026-0001", "ACME WIDGETS LTD"),
    ("250.00", "thanks", "ACME WIDGETS LIMITED"),  # no reference, unique amount of C1
    ("80.00", "thanks", "BETA GMBH"),  # twins: review
    ("500.00", "INV-2026-0005", "GAMMA SARL"),  # part payment
    ("700.00", "INV-2026-0005", "GAMMA SARL"),  # ... and more than what remains: credit
    ("300.00", "inv 2026 0005", "GAMMA SARL"),  # a sloppy reference
    ("160.00", "INV-2026-0003 INV-2026-0004", "BETA GMBH"),
    ("42.00", "unknown", "NOBODY AT ALL"),
    ("100.00", "INV-2026-0001", "ACME WIDGETS LTD"),  # paid again: credit
]


def _run(order: list[int], repeat: list[int]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'p.db'}")
        store.migrate()
        models = [InvoiceIn.model_validate({
            "number": n, "customer": {"id": c, "name": NAMES[c], "email": f"ap@{c.lower()}.example"},
            "currency": "EUR", "issue_date": "2026-11-01", "due_date": "2026-12-01", "status": "sent",
            "lines": [{"description": "d", "quantity": "1", "unit_price": t, "tax_rate": "0"}]})
            for n, (c, t) in BOOK.items()]  # fmt: skip
        import_invoices(store, models, NOW, "X{seq}", "t")
        pipeline = Pipeline(store, Context(load(None), "mx.example.com", "example.com", None))
        raws = {i: bank_notification(a, r, msgid=f"<e{i}@bank.example>", payer=p, txn=f"T{i}").encode()
                for i, (a, r, p) in enumerate(EVIDENCE)}  # fmt: skip
        for k, i in enumerate(order + repeat):
            pipeline.process_batch([(raws[i], f"key{k}")], "INBOX", NOW)
        with store.read() as conn:
            inv = {r.number: (r.total_minor, r.open_minor) for r in conn.execute(
                select(invoices.c.number, invoices.c.total_minor, invoices.c.open_minor))}  # fmt: skip
            closed_by = dict(conn.execute(
                select(allocations.c.invoice_id, func.sum(allocations.c.amount_minor + allocations.c.write_off_minor
                                                          + allocations.c.discount_minor))
                .where(allocations.c.reversed_at.is_(None)).group_by(allocations.c.invoice_id)).all())  # fmt: skip
            ids = dict(conn.execute(select(invoices.c.number, invoices.c.id)).all())
            pays = conn.execute(select(payments.c.id, payments.c.source_message_id, payments.c.amount_minor,
                                       payments.c.credit_minor, payments.c.status)).all()  # fmt: skip
            on_invoices = dict(conn.execute(
                select(allocations.c.payment_id, func.sum(allocations.c.amount_minor))
                .where(allocations.c.reversed_at.is_(None)).group_by(allocations.c.payment_id)).all())  # fmt: skip
            by_payment = {
                p.source_message_id: (p.status, on_invoices.get(p.id, 0), p.credit_minor)
                for p in pays
            }
        store.dispose()
    # conservation, per invoice and per payment; nothing negative
    for number, (total, open_) in inv.items():
        assert 0 <= open_ <= total
        assert total - open_ == closed_by.get(ids[number], 0), number
    for p in pays:
        assert on_invoices.get(p.id, 0) + p.credit_minor <= p.amount_minor
        if p.status in ("applied",):
            assert on_invoices.get(p.id, 0) == p.amount_minor
    return {"invoices": inv, "payments": by_payment, "count": len(pays)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations(range(len(EVIDENCE))),
       repeat=st.lists(st.integers(0, len(EVIDENCE) - 1), max_size=4))  # fmt: skip
def test_conserved_idempotent_and_order_free_for_clear_cases(
    order: list[int], repeat: list[int]
) -> None:
    got = _run(list(order), repeat)
    # the same evidence again (re-delivered) added no payment
    assert got["count"] == len(EVIDENCE)
    # clear cases end the same in any order: C1's invoices are paid, the twins wait, and
    # INV-2026-0005 ends paid whatever order its three payments came in
    inv = got["invoices"]
    assert isinstance(inv, dict)
    assert inv["INV-2026-0001"][1] == 0
    assert inv["INV-2026-0002"][1] == 0
    assert inv["INV-2026-0005"][1] == 0
    pays = got["payments"]
    assert isinstance(pays, dict)
    assert pays["<e2@bank.example>"][0] == "review"  # twins, no reference
    assert pays["<e7@bank.example>"][0] == "review"  # unknown payer
    # money for INV-2026-0005: 500 + 700 + 300 = 1500.00 arrived for 1190.00; what did
    # not go on it is kept as Gamma's credit, in every order
    gamma = [pays[f"<e{i}@bank.example>"] for i in (3, 4, 5)]
    assert sum(g[1] for g in gamma) == 119000
    assert sum(g[2] for g in gamma) == 150000 - 119000

"""Reconciliation benchmarks (issue #5), run by `make bench` in a process of its own so
that its peak memory is its own.

  1. P payments (bank notifications: 70% with a reference, some sloppy; 20% without one,
     a unique amount of a payer named as the bank prints it; 10% unknown payers) through
     the inbound pipeline against N open invoices on SQLite: time and peak RSS;
  2. subset sum: a customer with 30 open invoices, payments that are a combination of 2-4
     of them, no reference: time per decision; and the worst case, a payment nothing fits.
Usage: python tests/bench/reconcile.py [--invoices N] [--payments P]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert

from daemon.logs import setup as setup_logging
from daemon.pipeline import Context, Pipeline
from ledger.names import name_key
from ledger.refs import compact_key, digits_key, ref_key
from ledger.schema import customers, invoices, payer_keys
from ledger.store import Store
from rules.loader import load
from rules.matching import Candidates, OpenInvoice, Payer, Payment, decide

NOW = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
CUSTOMERS = 10_000


def amount_of(i: int) -> int:
    """Distinct-looking invoice totals in cents (a few collide, as in life)."""
    return 10_000 + (i * 7_919) % 2_000_000


def seed(store: Store, n: int) -> None:
    with store.write() as conn:
        conn.execute(insert(customers), [
            {"id": f"C{c}", "name": f"Customer {c} Trading Ltd", "email": f"ap@c{c}.example",
             "email_key": f"ap@c{c}.example", "email_domain": f"c{c}.example", "created_at": NOW}
            for c in range(CUSTOMERS)])  # fmt: skip
        conn.execute(insert(payer_keys), [
            {"customer_id": f"C{c}", "kind": "name", "key": name_key(f"Customer {c} Trading Ltd")}
            for c in range(CUSTOMERS)])  # fmt: skip
        batch = []
        for i in range(n):
            number = f"INV-2026-{i:07d}"
            cents = amount_of(i)
            batch.append({
                "number": number, "ref_key": ref_key(number), "digits_key": digits_key(number),
                "compact_key": compact_key(number), "customer_id": f"C{i % CUSTOMERS}",
                "currency": "EUR", "issue_date": dt.date(2026, 11, 1),
                "due_date": dt.date(2026, 12, 1), "status": "sent", "total_minor": cents,
                "open_minor": cents, "content_hash": f"h{i}", "steps_sent": 0, "created_at": NOW,
                "next_action_at": dt.datetime(2026, 12, 4, tzinfo=dt.UTC),
            })  # fmt: skip
            if len(batch) == 20_000:
                conn.execute(insert(invoices), batch)
                batch = []
        if batch:
            conn.execute(insert(invoices), batch)


def notification(k: int, n: int, rng: random.Random) -> bytes:
    i = rng.randrange(n)
    number = f"INV-2026-{i:07d}"
    amount = Decimal(amount_of(i)) / 100
    kind = k % 10
    payer = f"CUSTOMER {i % CUSTOMERS} TRADING LTD"
    if kind < 5:
        ref = number
    elif kind < 7:
        ref = [number.lower(), number.replace("-", ""), number.replace("-", " ")][k % 3]
    elif kind < 9:
        ref = "monthly payment"
    else:
        ref, payer = "services", f"UNKNOWN PAYER {k}"
    return (
        "Authentication-Results: mx.example.com; dkim=pass header.d=bank.example; "
        "spf=pass smtp.mailfrom=bank.example; dmarc=pass header.from=bank.example\n"
        "From: Example Bank <notifications@bank.example>\nTo: billing@example.com\n"
        f"Subject: Payment received: EUR {amount}\nMessage-ID: <p{k}@bank.example>\n"
        "Date: Wed, 02 Dec 2026 08:00:00 +0000\n\n"
        "An incoming transfer has been credited to your account.\n\n"
        f"Amount: EUR {amount}\nPayer: {payer}\nReference: {ref}\nTransaction ID: T{k}\n"
    ).encode()


def payments_bench(n_invoices: int, n_payments: int) -> dict[str, object]:
    rng = random.Random(5)  # noqa: S311 - benchmark data
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'r.db'}")
        store.migrate()
        t0 = time.perf_counter()
        seed(store, n_invoices)
        seeded = time.perf_counter() - t0
        pipeline = Pipeline(store, Context(load(None), "mx.example.com", "example.com", None))
        outcomes: dict[str, int] = {}
        t0 = time.perf_counter()
        for start in range(0, n_payments, 100):
            batch = [(notification(k, n_invoices, rng), f"k{k}")
                     for k in range(start, min(start + 100, n_payments))]  # fmt: skip
            for out in pipeline.process_batch(batch, "INBOX", NOW):
                key = "review" if out.review else "applied"
                outcomes[key] = outcomes.get(key, 0) + 1
        elapsed = time.perf_counter() - t0
        store.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"invoices": n_invoices, "payments": n_payments, "seed_s": round(seeded, 1),
            "reconcile_s": round(elapsed, 1), "per_s": round(n_payments / elapsed),
            "peak_rss_mib": round(peak), "outcomes": outcomes}  # fmt: skip


def subset_bench() -> dict[str, object]:
    rng = random.Random(7)  # noqa: S311 - benchmark data
    cfg = load(None).matching
    pool = [OpenInvoice(i, f"INV-{i}", "C1", "EUR", Decimal(rng.randrange(5_000, 500_000)) / 100,
                        dt.date(2026, 12, 1)) for i in range(30)]  # fmt: skip
    payer = Payer(("C1",), "sender address")
    times, rules = [], {}
    for _ in range(300):
        combo = rng.sample(pool, rng.randrange(2, 5))
        amount = sum((i.open_amount for i in combo), Decimal(0))
        t0 = time.perf_counter()
        d = decide(Payment(amount, "EUR"), Candidates([], [], payer, pool), cfg)
        times.append(time.perf_counter() - t0)
        rules[d.rule] = rules.get(d.rule, 0) + 1
    t0 = time.perf_counter()
    worst = decide(Payment(Decimal("0.01") + sum(i.open_amount for i in pool[:7]), "EUR"),
                   Candidates([], [], payer, pool), cfg)  # fmt: skip
    worst_s = time.perf_counter() - t0
    times.sort()
    return {"open_invoices": 30, "decisions": len(times),
            "median_ms": round(1000 * times[len(times) // 2], 2),
            "p99_ms": round(1000 * times[int(len(times) * 0.99)], 2), "rules": rules,
            "no_fit_ms": round(1000 * worst_s, 1), "no_fit_rule": worst.rule}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--payments", type=int, default=100_000)
    args = ap.parse_args()
    setup_logging("warning")
    print(json.dumps({"subset_sum": subset_bench(),
                      "payments": payments_bench(args.invoices, args.payments)}))  # fmt: skip


if __name__ == "__main__":
    main()

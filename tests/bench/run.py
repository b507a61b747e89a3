"""`make bench`: foundation benchmarks on the embedded defaults (SQLite + Maildir).

Measures, in one run on this machine:
  - dunning tick when nothing is due, over N invoices (index on next_action_at);
  - inbound end to end (parse + classify + match + commit + move) per message, against a
    bare loop that only reads and parses the same files with the stdlib email package;
  - peak RSS of the process.
Usage: python tests/bench/run.py [--invoices N] [--messages M]
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import mailbox
import resource
import sys
import tempfile
import time
from email import policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert

from daemon.pipeline import Context, Pipeline
from daemon.scheduler import tick
from daemon.sources import MaildirSource
from ledger.refs import digits_key, ref_key
from ledger.schema import customers, invoices
from ledger.store import Store
from rules.loader import load
from tests.helpers import bank_notification

NOW = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def seed(store: Store, n: int) -> None:
    with store.write() as conn:
        conn.execute(insert(customers), [
            {"id": f"C{i}", "name": f"Customer {i} Ltd", "email": f"ap@c{i}.example",
             "created_at": NOW} for i in range(1000)])  # fmt: skip
        batch = []
        for i in range(n):
            number = f"INV-2026-{i:07d}"
            batch.append({
                "number": number, "ref_key": ref_key(number), "digits_key": digits_key(number),
                "customer_id": f"C{i % 1000}", "currency": "EUR",
                "issue_date": dt.date(2026, 11, 1), "due_date": dt.date(2026, 12, 1),
                "status": "sent", "total_minor": 119000, "open_minor": 119000,
                "content_hash": f"h{i}", "steps_sent": 0, "created_at": NOW,
                "next_action_at": dt.datetime(2026, 12, 4, tzinfo=dt.UTC),
            })  # fmt: skip
            if len(batch) == 20000:
                conn.execute(insert(invoices), batch)
                batch = []
        if batch:
            conn.execute(insert(invoices), batch)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--messages", type=int, default=2000)
    args = ap.parse_args()
    rules = load(None)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = Store(f"sqlite:///{root / 'bench.db'}")
        store.migrate()
        t0 = time.perf_counter()
        seed(store, args.invoices)
        print(f"seeded {args.invoices:,} invoices in {time.perf_counter() - t0:.1f}s")

        t0 = time.perf_counter()
        queued = tick(store, rules, NOW, "example.com")
        idle = time.perf_counter() - t0
        assert queued == 0
        print(f"dunning tick, nothing due, {args.invoices:,} invoices: {idle * 1000:.1f} ms")

        box = mailbox.Maildir(str(root / "inbox"), create=True)
        for i in range(args.messages):
            number = f"INV-2026-{i % args.invoices:07d}"
            box.add(bank_notification("100.00", number, msgid=f"<b{i}@bank.example>", txn=f"T{i}"))
        files = sorted((root / "inbox" / "new").iterdir())
        t0 = time.perf_counter()
        for f in files:
            email.message_from_bytes(f.read_bytes(), policy=policy.default).get_body()
        bare = time.perf_counter() - t0

        source = MaildirSource(root / "inbox")
        pipeline = Pipeline(store, Context(rules, "mx.example.com", "example.com", None))
        t0 = time.perf_counter()
        for item in list(source.pending()):
            pipeline.process(source.read(item), source.mailbox, item.source_key, NOW)
            source.done(item)
        full = time.perf_counter() - t0
        n = len(files)
        print(f"inbound bare read+parse: {n / bare:,.0f} msg/s")
        print(f"inbound end to end (parse, match, allocate, commit, move): {n / full:,.0f} msg/s "
              f"= {100 * bare / full:.0f}% of bare")  # fmt: skip
        store.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()

"""The outbox worker: claim due rows, render, send with the fixed Message-ID, mark.

A crash between the transport's acceptance and our commit can only duplicate a mail
(with the same Message-ID), never lose one: the row stays pending until marked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import Message

import jinja2
import structlog

from ledger import invoices as inv_store
from ledger import reviews
from ledger.errors import PermanentError, ServerUnavailable, TransientError
from ledger.models import Invoice
from ledger.store import Store
from outbox import queue, webhook
from outbox.compose import compose
from outbox.render import Renderer
from outbox.transports import Transport

log = structlog.get_logger("arclerk.outbox")

SUBJECTS = {
    "invoice": "Invoice {number} from {seller}",
    "copy": "Copy of invoice {number}",
    "friendly": "Reminder: invoice {number} is overdue",
    "firm": "Second reminder: invoice {number} is overdue",
    "final": "Final notice: invoice {number}",
    "receipt": "Thank you: invoice {number} is paid",
    "part_payment": "Payment received for invoice {number}",
    "handoff": "Collection case: invoice {number} ({customer})",
    "statement": "Statement: {count} overdue invoices",
    "statement_request": "Statement of account: {count} open invoices",
}
#: subjects in the customer's language; the invoice number is always in them
SUBJECTS_BY_LANG = {
    "en": SUBJECTS,
    "de": {
        "invoice": "Rechnung {number} von {seller}",
        "copy": "Kopie der Rechnung {number}",
        "friendly": "Zahlungserinnerung: Rechnung {number}",
        "firm": "2. Mahnung: Rechnung {number}",
        "final": "Letzte Mahnung: Rechnung {number}",
        "receipt": "Vielen Dank: Rechnung {number} ist bezahlt",
        "part_payment": "Zahlungseingang zu Rechnung {number}",
        "statement": "Kontoauszug: {count} überfällige Rechnungen",
        "statement_request": "Kontoauszug: {count} offene Rechnungen",
    },
    "fr": {
        "invoice": "Facture {number} de {seller}",
        "copy": "Copie de la facture {number}",
        "friendly": "Rappel : facture {number} échue",
        "firm": "Deuxième rappel : facture {number}",
        "final": "Mise en demeure : facture {number}",
        "receipt": "Merci : la facture {number} est réglée",
        "part_payment": "Paiement reçu pour la facture {number}",
        "statement": "Relevé : {count} factures échues",
        "statement_request": "Relevé de compte : {count} factures ouvertes",
    },
}


@dataclass
class Counters:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class Mailer:
    def __init__(self, store: Store, renderer: Renderer, transport: Transport, sender: str,
                 admin: str, *, worker_id: str | None = None, lease_seconds: float = 300.0,
                 rate_per_minute: int = 0, webhook_secret: str = "",
                 fault: Callable[[str], None] = lambda _name: None) -> None:  # fmt: skip
        self.store = store
        self.webhook_secret = webhook_secret
        self.renderer = renderer
        self.transport = transport
        self.sender = sender
        self.admin = admin
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.min_interval = 60.0 / rate_per_minute if rate_per_minute else 0.0
        self._last_send = 0.0
        self.fault = fault
        self.counters = Counters()

    def _build(self, row: queue.Row, now: dt.datetime, inv: Invoice | None) -> Message:
        seller = self.renderer.seller
        attachments: list[tuple[str, bytes]] = []
        in_reply_to = row.in_reply_to
        auto = "auto-generated"
        if row.kind == "admin":
            ctx = self.renderer.context(inv, reason=row.params.get("reason", ""))
            subject = f"[arclerk] {row.params.get('subject', 'needs your attention')}"
            text, html = self.renderer.text("admin_notice", ctx), None
        elif row.kind == "digest":
            ctx = self.renderer.context(None, items=row.params.get("items", []),
                                        count=row.params.get("count", 0))  # fmt: skip
            subject = f"[arclerk] {row.params.get('count', 0)} item(s) wait for review"
            text, html = self.renderer.text("review_digest", ctx), None
        else:
            assert inv is not None
            subjects = SUBJECTS_BY_LANG.get(inv.customer.language.lower()[:2], SUBJECTS)
            if row.kind == "handoff":  # to the collections agency, not the customer
                subjects = SUBJECTS
            if row.kind == "statement":
                template = "statement"
                subject = subjects[
                    "statement_request" if row.params.get("on_request") else "statement"
                ]
            elif row.kind == "reminder":
                template = row.params["template"]
                subject = subjects[row.params.get("tone", "friendly")]
            else:
                template = row.kind
                subject = subjects[row.kind]
            items = row.params.get("items", [])
            subject = subject.format(number=inv.number, seller=seller.name, customer=inv.customer.name,
                                     count=len(items))  # fmt: skip
            paid = row.params.get("paid")
            charges = {k: row.params.get(k) for k in ("fee", "interest", "interest_from", "interest_to",
                                                      "compensation", "law", "fee_invoice",
                                                      "charges_total")}  # fmt: skip
            if not charges["fee_invoice"]:
                charges = {}
            ctx = self.renderer.context(inv, subject=subject, paid=Decimal(paid) if paid else None,
                                        charges=charges or None, reason=row.params.get("reason", ""),
                                        lang="en" if row.kind == "handoff" else None)  # fmt: skip
            if row.kind == "statement":
                with self.store.read() as conn:
                    ctx["items"] = [
                        {**it, "inv": inv_store.load(conn, it["invoice_id"])} for it in items
                    ]
                ctx["tone"] = row.params.get("tone", "friendly")
                ctx["on_request"] = bool(row.params.get("on_request"))
                if ctx["on_request"]:
                    auto = "auto-replied"
            text, html = self.renderer.text(template, ctx), self.renderer.html(template, ctx)
            if row.kind in ("invoice", "copy", "handoff") or row.params.get("attach_invoice"):
                attachments.append((f"{inv.number}.pdf", self.renderer.invoice_pdf(inv)))
            if row.kind in ("statement", "handoff") or row.params.get("attach_statement"):
                # the statement of account: what the customer owes in all, fees included
                if row.kind != "statement":
                    with self.store.read() as conn:
                        open_rows = inv_store.open_for_customer(conn, inv.customer.id)
                        ctx["items"] = [{"inv": inv_store.load(conn, r["id"])} for r in open_rows]
                if ctx.get("items"):
                    pdf = self.renderer.statement_pdf(inv, ctx["items"], now.date())
                    attachments.append((f"statement-{inv.customer.id}-{now.date()}.pdf", pdf))
            if row.kind == "copy":
                auto = "auto-replied"
            if row.kind == "reminder" and inv.thread_message_id:
                in_reply_to = inv.thread_message_id
        return compose(
            sender_name=seller.name, sender_addr=self.sender, to=row.recipient, subject=subject,
            text=text, html=html, message_id=row.message_id, now=now, auto_submitted=auto,
            in_reply_to=in_reply_to, references=[in_reply_to] if in_reply_to else None,
            attachments=attachments, invoice_number=inv.number if inv else None,
            cc=row.params.get("cc"),
        )  # fmt: skip

    async def flush(self, now: dt.datetime, limit: int = 10_000) -> int:
        """Claim and send due rows until none are left (or `limit`); returns how many were sent."""
        sent = 0
        self._reclaim_from_dead_local_workers()
        while sent < limit:
            with self.store.write() as conn:
                rows = queue.claim(conn, now, self.worker_id, self.lease)
                # The invoices the batch is about, read once in the claiming transaction.
                loaded = {i: inv_store.load(conn, i) for i in {r.invoice_id for r in rows} if i}
            if not rows:
                return sent
            for i, row in enumerate(rows):
                try:
                    sent += await self._send_one(row, now, loaded.get(row.invoice_id or 0))
                except ServerUnavailable as exc:
                    # The server, not the mail: give the batch back untouched and stop
                    # for this cycle; the next cycle tries again.
                    with self.store.write() as conn:
                        queue.release_rows(conn, self.worker_id, [r.id for r in rows[i:]])
                    log.error("smtp_unavailable", error=str(exc), waiting=len(rows) - i)
                    return sent
        return sent

    async def _throttle(self) -> None:
        if self.min_interval:
            wait = self._last_send + self.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_send = time.monotonic()

    async def _send_one(self, row: queue.Row, now: dt.datetime, inv: Invoice | None) -> int:
        bound = log.bind(outbox_id=row.id, message_id=row.message_id, kind=row.kind,
                         invoice_id=row.invoice_id, step=row.step)  # fmt: skip
        try:
            if row.kind == "webhook":  # a POST, not a mail (outbox/webhook.py)
                await asyncio.to_thread(webhook.post, row.recipient, row.params["payload"],
                                        row.message_id, secret=self.webhook_secret)  # fmt: skip
            else:
                msg = self._build(row, now, inv)
                await self._throttle()
                await self.transport.send(msg, self.sender,
                                          [row.recipient, *row.params.get("cc", [])])  # fmt: skip
        except ServerUnavailable:
            raise
        except TransientError as exc:
            with self.store.write() as conn:
                queue.mark_retry(conn, row, now, str(exc))
            self.counters.retried += 1
            bound.warning("mail_retry", error=str(exc), attempts=row.attempts + 1)
            return 0
        except (PermanentError, KeyError, ValueError, OSError, jinja2.TemplateError) as exc:
            with self.store.write() as conn:
                queue.mark_failed(conn, row, now, f"{type(exc).__name__}: {exc}")
                reviews.open_item(conn, now, f"outgoing {row.kind} to {row.recipient} "
                                  f"failed: {exc}", invoice_id=row.invoice_id)  # fmt: skip
            self.counters.failed += 1
            bound.error("mail_failed", error=str(exc))
            return 0
        self.fault("after_smtp_accept")
        with self.store.write() as conn:
            queue.mark_sent(conn, row, now)
        self.counters.sent += 1
        self.counters.by_kind[row.kind] = self.counters.by_kind.get(row.kind, 0) + 1
        if row.kind == "webhook":
            bound.info("webhook_delivered", host=urllib.parse.urlsplit(row.recipient).hostname)
        else:
            bound.info("mail_sent", recipient_domain=row.recipient.rsplit("@", 1)[-1])
        return 1

    def _reclaim_from_dead_local_workers(self) -> None:
        """Claims of a worker on this host whose process is gone are freed at once; those
        of other hosts wait for their lease to run out."""
        host = socket.gethostname()
        with self.store.write() as conn:
            for worker in queue.claimants(conn):
                w_host, _, rest = worker.partition(":")
                pid = rest.partition(":")[0]
                if worker == self.worker_id or w_host != host or not pid.isdigit():
                    continue
                if not _alive(int(pid)):
                    queue.release(conn, worker)
                    log.warning("outbox_claims_reclaimed", dead_worker=worker)

    def release(self) -> None:
        with self.store.write() as conn:
            queue.release(conn, self.worker_id)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

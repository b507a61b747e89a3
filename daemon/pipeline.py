"""The inbound pipeline: record a message, understand it, apply its effects — all in ONE
transaction — and say what happened. The source moves the message only afterwards.

A message seen before (same source key, or same Message-ID and content) has no effect.
Anything unclear becomes a review item with the reason; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, RowMapping, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from daemon import faults, reconcile
from daemon.pdfsandbox import PdfSandbox
from daemon.scheduler import next_action_at, reschedule
from ledger import events, reviews
from ledger import invoices as inv_store
from ledger import payments as pay_store
from ledger.errors import TransientError
from ledger.models import OPEN_STATUSES, InvoiceStatus, PaymentStatus
from ledger.schema import customers, inbound, invoices
from ledger.store import Store
from outbox import queue
from parsers import ParsedMessage, parse, pdftext
from parsers.dates import first_future_date
from parsers.remittance import PdfOptions
from rules.classify import Kind, SenderInfo, Verdict, classify, hints_for
from rules.matching import Payer, Payment, decide
from rules.schema import Rules

log = structlog.get_logger("arclerk.inbound")

# Hot-path statements, built once (building a statement costs more than running it).
_SEEN = select(inbound.c.id).where(or_(
    (inbound.c.mailbox == bindparam("mailbox")) & (inbound.c.source_key == bindparam("key")),
    (inbound.c.message_id == bindparam("mid")) & (inbound.c.sha256 == bindparam("sha")),
))  # fmt: skip
_RECORD_SQLITE = sqlite_insert(inbound).on_conflict_do_nothing().returning(inbound.c.id)
_RECORD_PG = pg_insert(inbound).on_conflict_do_nothing().returning(inbound.c.id)
_DONE = update(inbound).where(inbound.c.id == bindparam("_id")).values(
    kind=bindparam("kind"), outcome=bindparam("outcome"), processed_at=bindparam("processed_at"))  # fmt: skip
_CUSTOMERS_BY_SENDER = select(customers.c.id).where(or_(
    customers.c.email_key == bindparam("addr"),
    customers.c.email_domain == bindparam("domain"),
))  # fmt: skip

#: webmail domains: a customer's address there says nothing about its colleagues
FREEMAIL = frozenset({"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com",
                      "yahoo.com", "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net",
                      "web.de", "proton.me", "protonmail.com", "mail.com", "orange.fr"})  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    inbound_id: int | None
    kind: str
    summary: str
    duplicate: bool = False
    review: bool = False


@dataclass(frozen=True)
class Context:
    rules: Rules
    authserv_id: str | None
    domain: str  # for Message-IDs of mails we queue
    admin: str | None  # admin notices are mailed only when an admin address is configured
    pdf: PdfSandbox | None = None  # where PDFs are read (None: in this process)
    dkim: Callable[[bytes], tuple[str, ...]] | None = None  # our own DKIM check, when on


def pdf_options(store: Store | None, rules: Rules, sandbox: PdfSandbox | None) -> PdfOptions:
    """How the pipeline reads PDFs: in the sandbox (when there is one), checked against
    the ledger's invoices (the closed world), with the payers' layouts from the rules."""

    def known(tokens: Sequence[str]) -> list[str]:
        assert store is not None
        with store.read() as conn:
            return inv_store.resolve_refs(conn, tokens)

    return PdfOptions(
        reader=sandbox.read if sandbox else pdftext.read,
        ruled=sandbox.ruled if sandbox else pdftext.ruled_tables,
        known=known if store is not None else None,
        hints=lambda addr: hints_for(addr, rules),
    )  # fmt: skip


class Pipeline:
    def __init__(self, store: Store, ctx: Context) -> None:
        self.store = store
        self.ctx = ctx
        self._senders: dict[tuple[str, str], list[str]] = {}
        self.pdf = pdf_options(store, ctx.rules, ctx.pdf)

    def parse(self, raw: bytes) -> ParsedMessage:
        return parse(raw, self.pdf, self.ctx.dkim)

    def process(self, raw: bytes, mailbox: str, source_key: str, now: dt.datetime) -> Outcome:
        return self.process_batch([(raw, source_key)], mailbox, now)[0]

    def process_batch(
        self, items: list[tuple[bytes, str]], mailbox: str, now: dt.datetime
    ) -> list[Outcome]:
        """Record and apply several messages in ONE transaction (one fsync for the batch).

        The batch runs first without savepoints (they cost two statements a message). If a
        message breaks something, that attempt is rolled back whole and the batch runs
        again with a savepoint per message: the poison message is rolled back alone and
        kept as a review item, so it can never block the inbox behind it."""
        parsed = [(raw, key, self.parse(raw), hashlib.sha256(raw).hexdigest())
                  for raw, key in items]  # fmt: skip
        try:
            return self._run(parsed, mailbox, now, careful=False)
        except TransientError:
            raise  # the database itself is busy: the whole batch is retried later
        except Exception:
            log.info("batch_retried_message_by_message", size=len(parsed))
            return self._run(parsed, mailbox, now, careful=True)

    def _run(self, parsed: list[tuple[bytes, str, ParsedMessage, str]], mailbox: str,
             now: dt.datetime, *, careful: bool) -> list[Outcome]:  # fmt: skip
        outcomes: list[Outcome] = []
        self._senders = {}
        with self.store.write() as conn:
            for raw, key, facts, digest in parsed:
                if not careful:
                    outcomes.append(self._one(conn, raw, key, facts, digest, mailbox, now))
                    continue
                try:
                    with conn.begin_nested():
                        outcomes.append(self._one(conn, raw, key, facts, digest, mailbox, now))
                except TransientError:
                    raise
                except Exception as exc:
                    # A bug or a message we cannot handle: keep it for a human instead of
                    # retrying it forever.
                    log.exception("message_failed", source_key=key, message_id=facts.message_id)
                    outcomes.append(
                        self._quarantine(conn, raw, key, facts, digest, mailbox, now, exc)
                    )
            faults.point("before_inbound_commit")
        faults.point("after_inbound_commit")
        return outcomes

    def _one(self, conn: Connection, raw: bytes, key: str, facts: ParsedMessage, digest: str,
             mailbox: str, now: dt.datetime) -> Outcome:  # fmt: skip
        inbound_id = self._record(conn, raw, key, facts, digest, mailbox, now)
        if inbound_id is None:
            seen = conn.execute(
                _SEEN, {"mailbox": mailbox, "key": key, "mid": facts.message_id, "sha": digest}
            ).scalar()
            return Outcome(seen, "duplicate", "seen before; no effect", duplicate=True)
        outcome = self._apply(conn, inbound_id, facts, now)
        conn.execute(_DONE, {"_id": inbound_id, "kind": outcome.kind, "outcome": outcome.summary,
                             "processed_at": now})  # fmt: skip
        return outcome

    def _record(self, conn: Connection, raw: bytes, key: str, facts: ParsedMessage, digest: str,
                mailbox: str, now: dt.datetime) -> int | None:  # fmt: skip
        """The new inbound row's id, or None when this message was recorded before (same
        source key, or same Message-ID and content): the unique keys decide, in one
        INSERT ... ON CONFLICT DO NOTHING."""
        stmt = _RECORD_PG if conn.dialect.name == "postgresql" else _RECORD_SQLITE
        new_id = conn.execute(stmt, {
            "mailbox": mailbox, "source_key": key, "message_id": facts.message_id,
            "sha256": digest, "raw": raw, "received_at": now}).scalar()  # fmt: skip
        return None if new_id is None else int(new_id)

    def _quarantine(self, conn: Connection, raw: bytes, key: str, facts: ParsedMessage,
                    digest: str, mailbox: str, now: dt.datetime, exc: Exception) -> Outcome:  # fmt: skip
        """Keep the raw message and a review item; no other effect."""
        reason = f"internal error while processing this message ({type(exc).__name__}: {exc})"
        with conn.begin_nested():
            inbound_id = self._record(conn, raw, key, facts, digest, mailbox, now)
            if inbound_id is None:
                inbound_id = conn.execute(_SEEN, {"mailbox": mailbox, "key": key,
                                                  "mid": facts.message_id, "sha": digest}).scalar()  # fmt: skip
            conn.execute(update(inbound).where(inbound.c.id == inbound_id).values(
                kind="error", outcome=reason, processed_at=now))  # fmt: skip
            reviews.open_item(conn, now, reason, inbound_id=inbound_id)
        return Outcome(inbound_id, "error", f"review: {reason}", review=True)

    # -- understanding ------------------------------------------------------------------

    def _sender(
        self, conn: Connection, facts: ParsedMessage
    ) -> tuple[list[str], SenderInfo, list[str]]:
        """(customer ids of the sender, what classify needs, invoices of our mails it answers)."""
        addr, domain = facts.from_addr, facts.from_domain
        # No domain match when the domain says nothing about the company (webmail, none).
        company = domain if domain and domain not in FREEMAIL else "\x00"
        ids: list[str] = []
        if addr:
            # One bank sends most of a batch: its lookup is made once per batch (the
            # customers do not change inside the batch's transaction).
            cached = self._senders.get((addr, company))
            if cached is None:
                cached = [r[0] for r in conn.execute(_CUSTOMERS_BY_SENDER,
                                                     {"addr": addr, "domain": company})]  # fmt: skip
                self._senders[(addr, company)] = cached
            ids = list(cached)
        ours = facts.in_reply_to
        if facts.bounce is not None and facts.bounce.original_message_id:
            ours = (*ours, facts.bounce.original_message_id)  # the mail that bounced
        thread = inv_store.by_message_id(conn, ours)
        return ids, SenderInfo(is_customer=bool(ids), in_thread=bool(thread)), thread

    def _invoice_refs(self, conn: Connection, facts: ParsedMessage, thread: list[str]) -> list[str]:
        """Threading headers first, then subject and new text, then the quoted text."""
        found = list(thread)
        for number in inv_store.resolve_refs(conn, facts.ref_tokens):
            if number not in found:
                found.append(number)
        if not found:
            found = inv_store.resolve_refs(conn, facts.quoted_ref_tokens)
        return found

    def _apply(self, conn: Connection, inbound_id: int, facts: ParsedMessage,
               now: dt.datetime) -> Outcome:  # fmt: skip
        customer_ids, sender, thread = self._sender(conn, facts)
        verdict = classify(facts, sender, self.ctx.rules, self.ctx.authserv_id)
        kind = verdict.kind
        if facts.problems and kind is Kind.UNKNOWN:
            return self._review(conn, inbound_id, now, kind,
                                f"message not understood: {'; '.join(facts.problems)}")  # fmt: skip
        if kind in (Kind.PAYMENT_CONFIRMATION, Kind.REMITTANCE_ADVICE, Kind.BANK_STATEMENT):
            return self._payments(conn, inbound_id, facts, verdict, customer_ids, now)
        refs = self._invoice_refs(conn, facts, thread)
        if kind is Kind.BOUNCE:
            return self._bounce(conn, inbound_id, facts, now)
        if kind is Kind.AUTO_REPLY:
            events.record(conn, now, "auto_reply_received", verdict.reason, inbound_id=inbound_id,
                          detail={"refs": refs, "back_on": str(facts.ooo_until or "")})  # fmt: skip
            held = self._hold(conn, inbound_id, facts, refs, customer_ids, now)
            return Outcome(inbound_id, kind.value, f"{verdict.reason}; not answered"
                           + (f"; reminders held until {facts.ooo_until} for {', '.join(held)}" if held else ""))  # fmt: skip
        if kind is Kind.CUSTOMER_REPLY:
            return self._reply(conn, inbound_id, facts, verdict, refs, customer_ids, now)
        return self._review(conn, inbound_id, now, kind, f"not understood: {verdict.reason}")

    def _hold(self, conn: Connection, inbound_id: int, facts: ParsedMessage, refs: list[str],
              customer_ids: list[str], now: dt.datetime) -> list[str]:  # fmt: skip
        """An out-of-office that says when its writer is back holds the next reminder of
        the invoices it answers (or, naming none, of the customer's open invoices) until
        then: a reminder nobody reads is a wasted step of the ladder."""
        back = facts.ooo_until
        if back is None or back <= now.date() or back > now.date() + dt.timedelta(days=60):
            return []
        if refs:
            rows = [r for r in inv_store.by_numbers(conn, refs)
                    if not customer_ids or r["customer_id"] in customer_ids]  # fmt: skip
        elif len(customer_ids) == 1:
            rows = list(conn.execute(select(invoices).where(
                invoices.c.customer_id == customer_ids[0],
                invoices.c.status.in_([s.value for s in OPEN_STATUSES]))).mappings())  # fmt: skip
        else:
            return []
        held = []
        for r in rows:
            if InvoiceStatus(r["status"]) not in OPEN_STATUSES:
                continue
            conn.execute(update(invoices).where(invoices.c.id == r["id"]).values(hold_until=back))
            events.record(conn, now, "reminders_held", f"the customer is away until {back} "
                          f"(out-of-office {facts.message_id})", invoice_id=r["id"],
                          inbound_id=inbound_id, rule="dunning.out_of_office")  # fmt: skip
            reschedule(conn, r["id"], self.ctx.rules, now)
            held.append(r["number"])
        return held

    def _review(self, conn: Connection, inbound_id: int, now: dt.datetime, kind: Kind,
                reason: str, invoice_id: int | None = None,
                payment_id: int | None = None) -> Outcome:  # fmt: skip
        reviews.open_item(conn, now, reason, inbound_id=inbound_id, invoice_id=invoice_id,
                          payment_id=payment_id)  # fmt: skip
        return Outcome(inbound_id, kind.value, f"review: {reason}", review=True)

    # -- payments -----------------------------------------------------------------------

    def _payments(self, conn: Connection, inbound_id: int, facts: ParsedMessage,
                  verdict: Verdict, customer_ids: list[str], now: dt.datetime) -> Outcome:  # fmt: skip
        kind = verdict.kind
        if not verdict.trusted:
            return self._review(conn, inbound_id, now, kind,
                                f"{verdict.reason}; payment not applied")  # fmt: skip
        notes = []
        review = False
        rules = self.ctx.rules

        def schedule(row: Mapping[Any, Any]) -> dt.datetime | None:
            return next_action_at(row, rules, now)

        message_refs: list[str] | None = None  # resolved once, when a payment needs them
        payer_customers = customer_ids if kind is Kind.REMITTANCE_ADVICE else []
        for fact in facts.payments:
            if fact.ref_tokens != facts.ref_tokens:
                numbers = inv_store.resolve_refs(conn, fact.ref_tokens)
            else:
                if message_refs is None:
                    message_refs = inv_store.resolve_refs(conn, facts.ref_tokens)
                numbers = message_refs
            # The payer matters only when the payment names no invoice (the invoices it
            # names say whose money it is): no lookup for the common case.
            payer = Payer() if numbers else reconcile.identify_payer(
                conn, sender_ids=payer_customers, name=fact.payer, iban=fact.iban)  # fmt: skip
            rows: dict[int, RowMapping] = {}
            cand = reconcile.candidates(conn, numbers, payer, rows)
            owners = {i.customer_id for i in cand.referenced + cand.closed}
            d = decide(Payment(fact.amount, fact.currency, fact.date), cand, rules.matching)
            allocated = sum((a.amount for a in d.allocations), Decimal(0))
            if d.review is not None:
                status = PaymentStatus.REVIEW
            elif allocated == fact.amount:
                status = PaymentStatus.APPLIED
            else:
                status = PaymentStatus.PARTIALLY_APPLIED if allocated else PaymentStatus.UNAPPLIED
            applied = d.review is None
            pid = pay_store.record(
                conn, amount=fact.amount, currency=fact.currency, date=fact.date,
                reference=fact.reference, payer=fact.payer or facts.from_name,
                source_message_id=facts.message_id, inbound_id=inbound_id,
                transaction_id=fact.transaction_id, now=now, status=status,
                customer_id=(d.credit_customer if applied and d.credit else None) or payer.known
                or (owners.pop() if len(owners) == 1 else None),
                credit=d.credit if applied else Decimal(0), refund=applied and d.refund,
                iban=fact.iban, rule=f"matching.{d.rule}", confidence=d.confidence, reason=d.reason,
            )  # fmt: skip
            if pid is None:  # the decision above is dropped: this payment is known already
                events.record(conn, now, "duplicate_payment_ignored",
                              f"payment of {fact.amount} {fact.currency} already recorded",
                              inbound_id=inbound_id)  # fmt: skip
                notes.append(f"{fact.amount} {fact.currency}: already recorded")
                continue
            evidence = f"message {facts.message_id}" + (
                f" {fact.source}" if fact.source != "body" else ""
            )
            if applied:
                reconcile.apply_allocations(
                    conn, pid, d.allocations, fact.currency, rule=f"matching.{d.rule}",
                    confidence=d.confidence, cause=f"payment {pid}: {d.reason}",
                    evidence=evidence, now=now, inbound_id=inbound_id, schedule=schedule,
                    rows=rows,
                )  # fmt: skip
                reconcile.queue_receipts(conn, pid, d.allocations, rules, self.ctx.domain, now)
                note = f"{fact.amount} {fact.currency} -> " + (
                    ", ".join(f"{a.number} {a.amount}" for a in d.allocations) or "no invoice"
                )
                if d.credit:
                    note += f"; {d.credit} credit of {d.credit_customer}"
                    if d.refund:
                        reviews.open_item(conn, now, f"payment {pid}: refund {d.credit} "
                                          f"{fact.currency} to {d.credit_customer} ({d.reason})",
                                          inbound_id=inbound_id, payment_id=pid)  # fmt: skip
                        review = True
                notes.append(note)
            else:
                # The invoice it is about, when that is one invoice: no reminder for it
                # while a human decides.
                about = {a.invoice_id for a in d.allocations} | {i.id for i in cand.referenced}
                reviews.open_item(conn, now, f"payment {pid} of {fact.amount} {fact.currency}: "
                                  f"{d.review}", inbound_id=inbound_id, payment_id=pid,
                                  invoice_id=next(iter(about)) if len(about) == 1 else None,
                                  proposal=reconcile.proposal_json(d, fact.currency))  # fmt: skip
                if len(about) == 1:
                    reschedule(conn, next(iter(about)), rules, now)
                notes.append(f"{fact.amount} {fact.currency}: review ({d.review})")
                review = True
        if facts.deductions:
            # Credit notes and deductions the payer took: not payments, but the admin
            # should see what was set off against the transfer.
            listed = ", ".join(f"{' '.join(d.ref_tokens) or '?'} -{d.amount} {d.currency}"
                               for d in facts.deductions)  # fmt: skip
            events.record(conn, now, "remittance_deductions", f"the advice deducts {listed}",
                          inbound_id=inbound_id,
                          detail={"deductions": [{"refs": list(d.ref_tokens), "amount": str(d.amount),
                                                  "currency": d.currency} for d in facts.deductions]})  # fmt: skip
            notes.append(f"deductions: {listed}")
        if not facts.payments:
            return self._review(conn, inbound_id, now, kind, "no payment could be read")
        return Outcome(inbound_id, kind.value, "; ".join(notes), review=review)

    # -- bounces ------------------------------------------------------------------------

    def _bounce(self, conn: Connection, inbound_id: int, facts: ParsedMessage,
                now: dt.datetime) -> Outcome:  # fmt: skip
        b = facts.bounce
        assert b is not None
        if not b.permanent:
            events.record(conn, now, "bounce_temporary", f"temporary failure {b.status}",
                          inbound_id=inbound_id, detail={"recipients": list(b.recipients)})  # fmt: skip
            return Outcome(inbound_id, Kind.BOUNCE.value, "temporary failure; nothing changed")
        hit = []
        for addr in b.recipients:
            for c in conn.execute(select(customers).where(
                    customers.c.email_key == addr.lower())).mappings():  # fmt: skip
                hit.append(c["id"])
                conn.execute(update(customers).where(customers.c.id == c["id"]).values(
                    email_bounced_at=now, bounce_reason=f"{b.status or '5.0.0'} ({facts.message_id})"))  # fmt: skip
                for inv_id in conn.execute(select(invoices.c.id).where(
                        invoices.c.customer_id == c["id"])).scalars():  # fmt: skip
                    events.record(conn, now, "contact_bounced",
                                  f"{addr} bounced ({b.status}); no more mail to it",
                                  invoice_id=inv_id, inbound_id=inbound_id,
                                  rule="dunning.stop_on_bounce")  # fmt: skip
                    reschedule(conn, inv_id, self.ctx.rules, now)
        if not hit:
            return self._review(conn, inbound_id, now, Kind.BOUNCE,
                                f"bounce for {', '.join(b.recipients)}: not a customer address")  # fmt: skip
        reason = (
            f"address {', '.join(b.recipients)} bounced permanently ({b.status}); "
            f"customer(s) {', '.join(hit)} need a new address"
        )
        self._notify_admin(conn, now, inbound_id, reason, "bounce")
        return self._review(conn, inbound_id, now, Kind.BOUNCE, reason)

    # -- customer replies ---------------------------------------------------------------

    def _reply(self, conn: Connection, inbound_id: int, facts: ParsedMessage, verdict: Verdict,
               refs: list[str], customer_ids: list[str], now: dt.datetime) -> Outcome:  # fmt: skip
        kind = Kind.CUSTOMER_REPLY
        statement_note = None
        if "statement_request" in verdict.intents and len(customer_ids) == 1:
            statement_note = self._statement(conn, inbound_id, facts, customer_ids[0], now)
            if set(verdict.intents) == {"statement_request"}:
                return Outcome(inbound_id, kind.value, statement_note,
                               review="review" in statement_note)  # fmt: skip
        rows = [r for r in (inv_store.find_by_number(conn, n) for n in refs) if r is not None]
        if customer_ids:  # a customer can only steer its own invoices
            rows = [r for r in rows if r["customer_id"] in customer_ids]
        if not rows:
            return self._review(conn, inbound_id, now, kind,
                                f"customer reply ({verdict.intent}) names no invoice of theirs")  # fmt: skip
        intents = verdict.intents or ("other",)
        notes: list[str] = []
        base = (facts.date or now).astimezone(dt.UTC).date()
        for r in rows:
            number, status = r["number"], InvoiceStatus(r["status"])
            settled = status in (InvoiceStatus.PAID, InvoiceStatus.VOID, InvoiceStatus.WRITTEN_OFF)
            if "dispute" in intents and not settled:
                inv_store.set_status(conn, r["id"], InvoiceStatus.DISPUTED, now,
                                     f"customer disputes it in message {facts.message_id}",
                                     old=r["status"], rule="classification.intents.dispute",
                                     inbound_id=inbound_id, next_action_at=None)  # fmt: skip
                reason = f"{number} disputed by the customer: {facts.new_text[:300]!r}"
                reviews.open_item(conn, now, reason, inbound_id=inbound_id, invoice_id=r["id"])
                self._notify_admin(conn, now, inbound_id, reason, "dispute", r["id"])
                notes.append(f"{number} disputed")
            elif "promise_to_pay" in intents and not settled:
                notes.append(self._promise(conn, inbound_id, facts, r, base, now))
            elif "claims_paid" in intents and not settled:
                reviews.open_item(conn, now, f"customer says {number} is paid; no payment "
                                  "seen yet — check the bank", inbound_id=inbound_id,
                                  invoice_id=r["id"])  # fmt: skip
                notes.append(f"{number}: customer claims paid (review)")
            if "copy_request" in intents:
                email, tz = _contact(conn, r["customer_id"])
                today = now.astimezone(ZoneInfo(tz)).date()
                mid = queue.enqueue(conn, idem_key=f"copy:{r['id']}:{inbound_id}", kind="copy",
                                    recipient=email, now=now,
                                    domain=self.ctx.domain, invoice_id=r["id"], step=None,
                                    in_reply_to=facts.message_id)  # fmt: skip
                if mid:
                    conn.execute(update(invoices).where(invoices.c.id == r["id"])
                                 .values(last_mail_on=today))  # fmt: skip
                    reschedule(conn, r["id"], self.ctx.rules, now)
                notes.append(f"copy of {number} queued")
            if intents == ("other",) or (settled and not {"copy_request"} & set(intents)):
                reviews.open_item(conn, now, f"customer wrote about {number}: "
                                  f"{facts.new_text[:300]!r}", inbound_id=inbound_id,
                                  invoice_id=r["id"])  # fmt: skip
                notes.append(f"{number}: reply for a human (review)")
            events.record(conn, now, "customer_reply", f"intents {list(intents)}",
                          invoice_id=r["id"], inbound_id=inbound_id)  # fmt: skip
        return Outcome(inbound_id, kind.value, "; ".join(notes),
                       review=any("review" in n for n in notes))  # fmt: skip

    def _statement(self, conn: Connection, inbound_id: int, facts: ParsedMessage,
                   customer_id: str, now: dt.datetime) -> str:  # fmt: skip
        """A statement of account on request: every open invoice of the customer, in one
        mail answering theirs; no ladder step advances."""
        rows = inv_store.open_for_customer(conn, customer_id)
        if not rows:
            reviews.open_item(conn, now, f"customer {customer_id} asks for a statement; nothing "
                              "is open — answer by hand", inbound_id=inbound_id)  # fmt: skip
            return f"statement requested by {customer_id}: nothing open (review)"
        email, _tz = _contact(conn, customer_id)
        items = [{"invoice_id": r["id"], "number": r["number"], "step": None} for r in rows]
        queue.enqueue(conn, idem_key=f"statement-request:{inbound_id}", kind="statement",
                      recipient=email, now=now, domain=self.ctx.domain, invoice_id=rows[0]["id"],
                      in_reply_to=facts.message_id,
                      params={"items": items, "tone": "friendly", "on_request": True})  # fmt: skip
        events.record(conn, now, "statement_requested",
                      f"statement of {len(rows)} open invoice(s) queued in answer to "
                      f"{facts.message_id}", inbound_id=inbound_id,
                      rule="classification.intents.statement_request",
                      detail={"customer": customer_id, "invoices": [r["number"] for r in rows]})  # fmt: skip
        return f"statement of {len(rows)} open invoice(s) queued for {customer_id}"

    def _promise(self, conn: Connection, inbound_id: int, facts: ParsedMessage, r: RowMapping,
                 base: dt.date, now: dt.datetime) -> str:  # fmt: skip
        d = self.ctx.rules.dunning
        when = first_future_date(facts.new_text or facts.text, base)
        rule = "classification.intents.promise_to_pay"
        if when is None:
            when = base + dt.timedelta(days=d.promise_default_days)
            rule = "dunning.promise_default_days"
        if when > base + dt.timedelta(days=d.promise_max_days):
            reviews.open_item(conn, now, f"{r['number']}: promise to pay on {when} is further "
                              f"out than {d.promise_max_days} days", inbound_id=inbound_id,
                              invoice_id=r["id"])  # fmt: skip
            return f"{r['number']}: promise for {when} (review)"
        inv_store.set_status(conn, r["id"], InvoiceStatus.PROMISED, now,
                             f"customer promised payment by {when} in message {facts.message_id}",
                             old=r["status"], rule=rule, inbound_id=inbound_id, promised_until=when)  # fmt: skip
        reschedule(conn, r["id"], self.ctx.rules, now)
        return f"{r['number']} promised for {when}"

    def _notify_admin(self, conn: Connection, now: dt.datetime, inbound_id: int, reason: str,
                      what: str, invoice_id: int | None = None) -> None:  # fmt: skip
        if not self.ctx.admin:
            return
        queue.enqueue(conn, idem_key=f"admin:{what}:{inbound_id}:{invoice_id}", kind="admin",
                      recipient=self.ctx.admin, now=now, domain=self.ctx.domain,
                      invoice_id=invoice_id, params={"reason": reason, "subject": reason[:120]})  # fmt: skip


_CONTACT = select(customers.c.email, customers.c.timezone).where(
    customers.c.id == bindparam("_id"))  # fmt: skip


def _contact(conn: Connection, customer_id: str) -> tuple[str, str]:
    """(email address, time zone) of a customer."""
    email, tz = conn.execute(_CONTACT, {"_id": customer_id}).one()
    return str(email), str(tz)


__all__ = ["Context", "Outcome", "Pipeline"]

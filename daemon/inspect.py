"""`arclerk parse`: what the pipeline would understand of one file, read-only.

Uses the ledger (when one exists) to resolve invoice references and to know whether the
sender is a customer; never writes to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import inspect as sa_inspect

from daemon.app import dkim_verifier, load_rules, pdf_sandbox
from daemon.config import Config
from daemon.pdfsandbox import PdfSandbox
from daemon.pipeline import Context, Pipeline, pdf_options
from ledger import invoices as inv_store
from ledger.store import Store
from parsers import parse, remittance, statements
from parsers.auth import is_authenticated
from parsers.dates import first_future_date
from rules.classify import Kind, SenderInfo, classify

_CONTRACT_INTENTS = {"claims_paid", "dispute", "promise_to_pay", "copy_request", "other"}


def _store(cfg: Config) -> Store | None:
    url = cfg.database.url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    store = Store(url)
    try:
        if not sa_inspect(store.engine).has_table("invoices"):
            store.dispose()
            return None
    except Exception:
        store.dispose()
        return None
    return store


def _payment_json(p: Any, numbers: list[str]) -> dict[str, Any]:
    return {"invoice_refs": numbers, "amount": str(p.amount), "currency": p.currency,
            "date": p.date.isoformat() if p.date else None, "reference": p.reference,
            "payer": p.payer, "evidence": p.source, "iban": p.iban or None,
            "transaction_id": p.transaction_id}  # fmt: skip


def describe(cfg: Config, raw: bytes, name: str,
             sandbox: PdfSandbox | None = None) -> dict[str, Any]:  # fmt: skip
    """What the pipeline understands of one file. `sandbox`: the PDF reader to use (else
    one of this call's own, closed at the end)."""
    rules = load_rules(cfg)
    store = _store(cfg)
    own = sandbox is None
    sandbox = pdf_sandbox(cfg) if own else sandbox
    opts = pdf_options(store, rules, sandbox)
    try:
        if name.lower().endswith(".pdf") or raw[:5] == b"%PDF-":
            advice = remittance.read_with(name, raw, opts)
            out = _bare_file(store, Kind.REMITTANCE_ADVICE, advice.payments, advice.problems)
            out["deductions"] = [_payment_json(p, _resolve(store, p.ref_tokens))
                                 for p in advice.deductions]  # fmt: skip
            return out
        if statements.kind_of(name, raw):
            return _bare_file(store, Kind.BANK_STATEMENT, *statements.parse_file(name, raw))
        facts = parse(raw, opts, dkim_verifier(cfg))
        if store is not None:
            pipeline = Pipeline(store, Context(rules, cfg.mail.authserv_id, "", None))
            with store.read() as conn:
                _, sender, thread = pipeline._sender(conn, facts)
                refs = pipeline._invoice_refs(conn, facts, thread)
        else:
            sender = SenderInfo(is_customer=False, in_thread=bool(facts.in_reply_to))
            refs = list(facts.ref_tokens)
        verdict = classify(facts, sender, rules, cfg.mail.authserv_id)
        promised = None
        if verdict.intent == "promise_to_pay":
            base = facts.date.date() if facts.date else None
            promised = first_future_date(facts.new_text, base) if base else None
        payments = []
        if verdict.kind in (Kind.PAYMENT_CONFIRMATION, Kind.REMITTANCE_ADVICE, Kind.BANK_STATEMENT):
            payments = [_payment_json(p, _resolve(store, p.ref_tokens)) for p in facts.payments]
        b = facts.bounce
        return {
            "kind": verdict.kind.value,
            # CONTRACT.md's intent values; finer ones (statement_request) are in "intents"
            "intent": (verdict.intent if verdict.intent in _CONTRACT_INTENTS else "other")
            if verdict.kind is Kind.CUSTOMER_REPLY else None,
            "invoice_refs": refs,
            "payments": payments,
            "promised_date": promised.isoformat() if promised else None,
            "bounce": {"recipients": list(b.recipients), "permanent": b.permanent,
                       "status": b.status, "original_message_id": b.original_message_id}
            if b and verdict.kind is Kind.BOUNCE else None,
            "authenticated": is_authenticated(facts.auth, cfg.mail.authserv_id, facts.from_domain,
                                              facts.dkim_domains),
            "deductions": [_payment_json(p, _resolve(store, p.ref_tokens))
                           for p in facts.deductions],
            "text": facts.new_text,
            "message_id": facts.message_id,
            "trusted": verdict.trusted,
            "reason": verdict.reason,
            "intents": list(verdict.intents),
            "out_of_office_until": facts.ooo_until.isoformat() if facts.ooo_until else None,
            "warnings": list(facts.problems),
        }  # fmt: skip
    finally:
        if own and sandbox is not None:
            sandbox.close()
        if store is not None:
            store.dispose()


def _bare_file(store: Store | None, kind: Kind, rows: list[Any],
               problems: list[str]) -> dict[str, Any]:  # fmt: skip
    """`parse` of a bare file (a remittance PDF, a statement): its payments, nothing else."""
    numbers: list[str] = []
    payments = []
    for p in rows:
        refs = _resolve(store, p.ref_tokens)
        numbers += [n for n in refs if n not in numbers]
        payments.append(_payment_json(p, refs))
    return {"kind": kind.value if rows else Kind.UNKNOWN.value, "intent": None,
            "invoice_refs": numbers, "payments": payments, "promised_date": None,
            "bounce": None, "authenticated": False, "text": "", "warnings": problems}  # fmt: skip


def _resolve(store: Store | None, tokens: tuple[str, ...]) -> list[str]:
    if store is None:
        return list(tokens)
    with store.read() as conn:
        return inv_store.resolve_refs(conn, tokens)

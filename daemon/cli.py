"""The `arclerk` command line (CONTRACT.md).

Exit status: 0 success; 1 a problem with the user's input or environment, explained on
stderr without a traceback; 2 wrong usage (typer/click's own).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from daemon import config as config_mod
from daemon.logs import setup as setup_logging
from ledger.errors import ArclerkError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="arclerk: an accounts-receivable clerk that works by email.")  # fmt: skip
invoice_app = typer.Typer(no_args_is_help=True, help="Invoices in the ledger.")
payment_app = typer.Typer(no_args_is_help=True, help="Payments in the ledger.")
rules_app = typer.Typer(no_args_is_help=True, help="The YAML rules.")
review_app = typer.Typer(no_args_is_help=True, help="What waits for a human.")
app.add_typer(invoice_app, name="invoice")
app.add_typer(payment_app, name="payment")
app.add_typer(rules_app, name="rules")
app.add_typer(review_app, name="review")

_state: dict[str, Any] = {}
_NOW_OPT = typer.Option("--now", help="the time to record (ISO-8601); default: now")


@app.callback()
def _root(
    config: Annotated[str | None, typer.Option("--config", "-c", help="config YAML file")] = None,
) -> None:
    _state["config"] = config


def _cfg() -> config_mod.Config:
    cfg = config_mod.load(_state.get("config"))
    setup_logging(cfg.log_level)
    return cfg


def _now(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
        except ValueError:
            raise typer.BadParameter(f"not an ISO-8601 date or datetime: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@app.command("import")
def import_cmd(file: Annotated[Path, typer.Argument(help="invoices as JSON or CSV")]) -> None:
    """Import invoices (all-or-nothing; re-importing the same content is a no-op)."""
    from daemon.app import load_rules, open_store
    from ledger.importer import import_invoices, load_file

    cfg = _cfg()
    models = load_file(file)
    rules = load_rules(cfg)
    store = open_store(cfg)
    try:
        result = import_invoices(store, models, dt.datetime.now(dt.UTC),
                                 rules.invoicing.number_pattern, str(file))  # fmt: skip
    finally:
        store.dispose()
    typer.echo(f"imported {len(result.created)} invoice(s), {len(result.unchanged)} unchanged")


@app.command()
def run(
    once: Annotated[bool, typer.Option("--once", help="one cycle, then exit")] = False,
    now: Annotated[str | None, typer.Option("--now", help="pretend the clock says this")] = None,
) -> None:
    """Run the daemon (until SIGTERM/SIGINT), or one cycle with --once."""
    from daemon.app import App

    if now is not None and not once:
        raise typer.BadParameter("--now only makes sense with --once")
    cfg = _cfg()
    when = _now(now)
    application = App(cfg)
    if once:
        stats = asyncio.run(application.run_once(when))
        typer.echo(f"cycle at {when.isoformat()}: {stats.inbound} message(s) read, "
                   f"{stats.queued} mail(s) queued, {stats.sent} sent, "
                   f"{stats.reviews} for review", err=True)  # fmt: skip
    else:
        asyncio.run(application.run_forever())


@app.command()
def parse(
    file: Annotated[Path, typer.Argument(help=".eml file (or a bare .pdf)")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Show what the inbound pipeline understands of one message (read-only)."""
    from daemon.inspect import describe

    cfg = _cfg()
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ArclerkError(f"cannot read {file}: {exc.strerror}") from exc
    result = describe(cfg, raw, file.name)
    if as_json:
        _print_json(result)
    else:
        for key, value in result.items():
            typer.echo(f"{key}: {value}")


def _ledger_read(fn: Any) -> Any:
    from daemon.app import open_store

    store = open_store(_cfg())
    try:
        with store.read() as conn:
            return fn(conn)
    finally:
        store.dispose()


@invoice_app.command("list")
def invoice_list(
    status: Annotated[str | None, typer.Option("--status", help="only this status")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List the ledger's invoices."""
    from ledger import invoices
    from ledger.models import InvoiceStatus

    if status is not None and status not in {s.value for s in InvoiceStatus}:
        raise typer.BadParameter(f"unknown status {status!r}; one of "
                                 + ", ".join(s.value for s in InvoiceStatus))  # fmt: skip
    rows = _ledger_read(lambda c: invoices.list_rows(c, status))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['number']:<18} {r['customer_id']:<10} {r['currency']} "
                   f"{r['total']:>12} open {r['open_amount']:>12}  {r['status']}")  # fmt: skip


@invoice_app.command("show")
def invoice_show(number: str) -> None:
    """One invoice with its audit trail."""
    from ledger import events, invoices

    def fetch(conn: Any) -> dict[str, Any]:
        row = invoices.find_by_number(conn, number)
        if row is None:
            raise ArclerkError(f"no invoice {number}")
        listed = next(r for r in invoices.list_rows(conn) if r["number"] == number)
        return {
            **listed,
            "allocations": invoices.allocations_for(conn, row["id"]),
            "events": events.for_invoice(conn, row["id"]),
        }

    _print_json(_ledger_read(fetch))


@invoice_app.command("resolve")
def invoice_resolve(
    number: str,
    note: Annotated[str, typer.Option("--note", help="how it was resolved (required, audited)")],
    now: Annotated[str | None, _NOW_OPT] = None,
) -> None:
    """End a dispute: reminders resume where the ladder stood."""
    from daemon import reconcile

    if not note.strip():
        raise typer.BadParameter("--note must say how the dispute was resolved")
    typer.echo(
        _ledger_write(lambda c, t, sch, _r: reconcile.resolve_dispute(c, number, note, t, sch), now)
    )


@app.command()
def explain(
    invoice: Annotated[str, typer.Argument(help="invoice number")],
    now: Annotated[str | None, typer.Option("--now", help="as if the clock said this")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Why the last mail about an invoice went, why the next will or will not, and when."""
    from daemon import explain as ex
    from daemon.app import load_rules

    rules = load_rules(_cfg())
    data = _ledger_read(lambda c: ex.explain(c, invoice, rules, _now(now)))
    if as_json:
        _print_json(data)
        return
    last = data["last_mail"]
    typer.echo(f"{data['invoice']} ({data['status']}, customer {data['customer']}, "
               f"{data['timezone']}); ladder {data['ladder']['source']}, "
               f"{data['ladder']['steps_sent']} step(s) sent")  # fmt: skip
    if last:
        why = last["why"]["cause"] if last.get("why") else ""
        typer.echo(f"last mail: {last['kind']} {last['step'] or ''} {last['status']} "
                   f"{last['sent_at'] or ''} — {why}")  # fmt: skip
    else:
        typer.echo("last mail: none yet")
    nxt = data["next"]
    typer.echo(f"next: {nxt['will']} — {nxt['reason']}")


@app.command()
def forecast(
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="horizon in days")] = 30,
    now: Annotated[str | None, typer.Option("--now", help="as if the clock said this")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What would be mailed per day if nothing were paid or answered; sends nothing."""
    from daemon import explain as ex
    from daemon.app import load_rules

    rules = load_rules(_cfg())
    plan = _ledger_read(lambda c: ex.forecast(c, rules, _now(now), days))
    if as_json:
        _print_json(plan)
        return
    for day in plan:
        typer.echo(f"{day['date']}: {len(day['mails'])} mail(s)")
        for m in day["mails"]:
            typer.echo(f"  {m['at'][11:16] if m['at'] else '     '} {m['invoice']:<18} "
                       f"{m['step'] or m['action']:<10} {m['reason']}")  # fmt: skip


@payment_app.command("list")
def payment_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the payments with their allocations."""
    from ledger import payments

    rows = _ledger_read(payments.list_rows)
    if as_json:
        _print_json(rows)
        return
    for p in rows:
        allocs = ", ".join(f"{a['invoice']} {a['amount']}" for a in p["allocations"]) or "-"
        typer.echo(f"{p['id']:>5} {p['currency']} {p['amount']:>12} {p['status']:<18} {allocs}")


@review_app.command("list")
def review_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    closed: Annotated[bool, typer.Option("--all", help="closed items too")] = False,
) -> None:
    """Review items: what arclerk would not decide alone, with the reason."""
    from ledger import reviews

    rows = _ledger_read(lambda c: reviews.list_items(c, include_closed=closed))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:>5} {r['created_at'][:16]} {r['status']:<9} {r['reason']}")


@review_app.command("show")
def review_show(item: int, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One review item with its proposal, payment and invoice."""
    from ledger import reviews

    def fetch(conn: Any) -> dict[str, Any]:
        found = reviews.show(conn, item)
        if found is None:
            raise ArclerkError(f"review item {item}: no such item")
        return found

    data = _ledger_read(fetch)
    if as_json:
        _print_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key}: {json.dumps(value) if isinstance(value, dict | list) else value}")


def _ledger_write(fn: Any, now: str | None = None) -> Any:
    """Run `fn(conn, now, schedule, receipts)` in one write transaction of the configured
    ledger; receipts the rules ask for are queued for the daemon to send."""
    from daemon import reconcile
    from daemon.app import load_rules, open_store
    from daemon.scheduler import next_action_at

    cfg = _cfg()
    rules = load_rules(cfg)
    domain = cfg.mail.address.rsplit("@", 1)[-1]
    when = _now(now)
    store = open_store(cfg)
    try:
        with store.write() as conn:
            return fn(conn, when, lambda row: next_action_at(row, rules, when),
                      lambda pid, allocs: reconcile.queue_receipts(conn, pid, allocs, rules, domain, when))  # fmt: skip
    finally:
        store.dispose()


@review_app.command("accept")
def review_accept(
    item: int,
    note: Annotated[str, typer.Option("--note", help="why, for the audit log")] = "",
    now: Annotated[str | None, _NOW_OPT] = None,
) -> None:
    """Apply what the item proposes (for a payment), or close it as handled."""
    from daemon import reconcile

    typer.echo(
        _ledger_write(lambda c, t, sch, rc: reconcile.accept(c, item, t, sch, note, rc), now)
    )


@review_app.command("reject")
def review_reject(
    item: int,
    reason: Annotated[str, typer.Option("--reason", help="why (required)")],
    now: Annotated[str | None, _NOW_OPT] = None,
) -> None:
    """Close the item without applying anything; a payment stays unapplied."""
    from daemon import reconcile

    if not reason.strip():
        raise typer.BadParameter("--reason must say why")
    typer.echo(_ledger_write(lambda c, t, sch, _r: reconcile.reject(c, item, t, reason, sch), now))


@review_app.command("assign")
def review_assign(
    item: int,
    invoices: Annotated[list[str], typer.Argument(help="invoice numbers, in the order to pay")],
    note: Annotated[str, typer.Option("--note", help="why, for the audit log")] = "",
    now: Annotated[str | None, _NOW_OPT] = None,
) -> None:
    """Apply the item's payment to these invoices; what is left becomes customer credit."""
    from daemon import reconcile

    typer.echo(
        _ledger_write(
            lambda c, t, sch, rc: reconcile.assign(c, item, invoices, t, sch, note, rc), now
        )
    )


@payment_app.command("unapply")
def payment_unapply(
    payment: int,
    reason: Annotated[str, typer.Option("--reason", help="why (required, audited)")],
    invoice: Annotated[str | None, typer.Option("--invoice", help="only this allocation")] = None,
    now: Annotated[str | None, _NOW_OPT] = None,
) -> None:
    """Undo a payment's allocations; the invoices reopen and the payment waits for review."""
    from daemon import reconcile

    if not reason.strip():
        raise typer.BadParameter("--reason must say why")
    typer.echo(_ledger_write(
        lambda c, t, sch, _r: reconcile.unapply(c, payment, reason, t, sch, invoice), now))  # fmt: skip


@app.command()
def doctor() -> None:
    """Check config, database, rules, IMAP and SMTP; say plainly what is wrong."""
    from daemon.doctor import checks

    results = checks(_cfg())
    for c in results:
        typer.echo(f"{'ok  ' if c.ok else 'FAIL'} {c.name:<9} {c.detail}")
    if not all(c.ok for c in results):
        raise typer.Exit(1)


@rules_app.command("check")
def rules_check(
    file: Annotated[
        Path | None, typer.Argument(help="rules file (default: the configured one)")
    ] = None,
) -> None:
    """Validate a rules file; errors name file:line and key."""
    from rules.loader import RulesError, load

    path = file
    if path is None:
        path = _cfg().rules
    try:
        load(path)
    except RulesError as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{path or 'built-in rules'}: OK")


def main() -> None:
    try:
        app(standalone_mode=True)
    except ArclerkError as exc:
        typer.echo(f"arclerk: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # the environment (disk, permissions), not a bug of ours
        where = f" {exc.filename}" if exc.filename else ""
        typer.echo(f"arclerk: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)

"""Bank statements by mail: a camt.054 attachment and an MT940 file pay invoices through
the daemon; `arclerk parse` reads bare statement files."""

from __future__ import annotations

import json
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from tests.helpers import Workspace, invoice, make_workspace

pytestmark = pytest.mark.acceptance
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "statements"


def _bank_mail(filename: str, msgid: str) -> bytes:
    msg = MIMEMultipart()
    msg["Authentication-Results"] = ("mx.example.com; dkim=pass header.d=bank.example; "
                                     "spf=pass smtp.mailfrom=bank.example")  # fmt: skip
    msg["From"] = "Example Bank <statements@bank.example>"
    msg["To"] = "billing@example.com"
    msg["Subject"] = "Your account statement"
    msg["Message-ID"] = msgid
    msg["Date"] = "Wed, 02 Dec 2026 08:00:00 +0000"
    msg.attach(MIMEText("Please find your statement attached.\n"))
    part = MIMEApplication((CORPUS / filename).read_bytes(), Name=filename)
    part["Content-Disposition"] = f'attachment; filename="{filename}"'
    msg.attach(part)
    return msg.as_bytes()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = make_workspace(tmp_path)
    (tmp_path / "inv.json").write_text(json.dumps([
        invoice("INV-2026-0001", "C1", "ap@acme.example", "1000.00", "2026-11-01", "2026-12-01",
                name="Acme Widgets Ltd", status="sent"),
        invoice("INV-2026-0002", "C2", "ap@beta.example", "100.00", "2026-11-01", "2026-12-01",
                name="Beta GmbH", status="sent"),
        invoice("INV-2026-0003", "C3", "ap@gamma.example", "200.00", "2026-11-01", "2026-12-01",
                name="Gamma SARL", status="sent"),
    ]))  # fmt: skip
    w.cli("import", "inv.json")
    return w


def test_camt054_and_camt053_attachments_pay_invoices(ws: Workspace) -> None:
    ws.deliver(_bank_mail("camt054_credit.xml", "<s1@bank.example>"))
    ws.deliver(_bank_mail("camt053_batch.xml", "<s2@bank.example>"))
    ws.deliver(_bank_mail("camt054_credit.xml", "<s1-again@bank.example>"))  # the same file again
    ws.cli("run", "--once", "--now", "2026-12-03T09:00:00+00:00")
    book = ws.invoices()
    assert {n: book[n]["status"] for n in book} == {
        "INV-2026-0001": "paid", "INV-2026-0002": "paid", "INV-2026-0003": "paid"}  # fmt: skip
    pays = ws.json("payment", "list", "--json")
    assert len(pays) == 3  # the re-sent statement added no payment
    evidence = {a["invoice"]: a["evidence"] for p in pays for a in p["allocations"]}
    assert evidence["INV-2026-0001"] == "message <s1@bank.example> camt:camt054_credit.xml#entry1"
    assert evidence["INV-2026-0003"].endswith("camt:camt053_batch.xml#entry1.2")


def test_parse_reads_bare_statement_files(ws: Workspace) -> None:
    out = ws.json("parse", str(CORPUS / "mt940_sepa.sta"), "--json")
    assert out["kind"] == "bank_statement"
    assert out["invoice_refs"] == ["INV-2026-0001"]
    assert [(p["amount"], p["currency"], p["payer"], p["iban"]) for p in out["payments"]] == [
        ("1190.00", "EUR", "ACME WIDGETS GMBH", "DE89370400440532013000")]  # fmt: skip
    csv_out = ws.json("parse", str(CORPUS / "bank_de.csv"), "--json")
    assert [p["invoice_refs"] for p in csv_out["payments"]] == [
        ["INV-2026-0001"],
        ["INV-2026-0002"],
    ]

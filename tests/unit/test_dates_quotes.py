"""Promise dates resolved against the message date; quoted history and signatures removed."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.dates import first_future_date
from parsers.quotes import strip_quotes

BASE = dt.date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We will pay on December 5th.", dt.date(2026, 12, 5)),
        ("Zahlung erfolgt am 15.12.2026.", dt.date(2026, 12, 15)),
        ("we'll pay by the end of the month", dt.date(2026, 12, 31)),
        ("payment next Friday", dt.date(2026, 12, 4)),
        ("Wir überweisen bis zum 20. Dezember", dt.date(2026, 12, 20)),
        ("nous paierons le 8 janvier", dt.date(2027, 1, 8)),
        ("we will pay on 2027-01-15", dt.date(2027, 1, 15)),
        ("we pay within two weeks", dt.date(2026, 12, 16)),
        ("paiement à la fin du mois", dt.date(2026, 12, 31)),
    ],
)
def test_promise_dates(text: str, expected: dt.date) -> None:
    """Dates in English, German and French resolve to the right calendar day."""
    assert first_future_date(text, BASE) == expected


def test_month_day_without_year_rolls_to_next_year() -> None:
    """'January 10' written in December means next January."""
    assert first_future_date("we pay January 10", BASE) == dt.date(2027, 1, 10)


def test_no_date_is_none() -> None:
    """Text without a date yields no promise date."""
    assert first_future_date("we will pay soon, sorry", BASE) is None


def test_gmail_style_quote_removed() -> None:
    """'On ... wrote:' and the '>' lines after it are not new text."""
    text = "We will pay on Friday.\n\nOn Tue, 1 Dec 2026 at 09:00, Billing <b@x.example> wrote:\n> Reminder: pay now\n"
    assert strip_quotes(text) == "We will pay on Friday."


def test_outlook_header_block_removed() -> None:
    """Outlook's From:/Sent:/To: block starts the quoted history."""
    text = ("Das ist falsch berechnet.\n\nVon: Billing <b@x.example>\nGesendet: Dienstag, 1. Dezember 2026\n"
            "An: ap@c.example\nBetreff: Rechnung\n\nBitte zahlen Sie.")  # fmt: skip
    assert strip_quotes(text) == "Das ist falsch berechnet."


def test_german_and_french_attributions_removed() -> None:
    """'Am ... schrieb ...:' and 'Le ... a écrit :' cut the quote."""
    assert strip_quotes("Danke.\nAm 01.12.2026 um 09:00 schrieb Billing <b@x>:\nalt") == "Danke."
    assert strip_quotes("Merci.\nLe 1 déc. 2026, Billing <b@x> a écrit :\nvieux") == "Merci."


def test_signature_removed() -> None:
    """Everything after the '-- ' signature marker is dropped."""
    assert strip_quotes("Paid yesterday.\n-- \nJane Doe\nAccounts Payable") == "Paid yesterday."


def test_outlook_original_message_marker() -> None:
    """'-----Original Message-----' cuts the quote."""
    assert strip_quotes("ok\n-----Original Message-----\nFrom: x") == "ok"


def test_slash_dates_read_either_way_for_a_promise() -> None:
    """12/05/2026 is 12 May in Europe and 5 December in the US: a promise written on
    1 December 2026 takes the reading that is not in the past; dots are always day first."""
    import datetime as dt

    from parsers.dates import first_future_date

    base = dt.date(2026, 12, 1)
    assert first_future_date("We will pay on 12/05/2026.", base) == dt.date(2026, 12, 5)
    assert first_future_date("Nous paierons le 05/12/2026.", base) == dt.date(2026, 12, 5)
    assert first_future_date("Zahlung am 12.05.2027.", base) == dt.date(2027, 5, 12)

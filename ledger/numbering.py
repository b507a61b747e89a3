"""Gap-free invoice numbering.

The counter row is bumped inside the caller's write transaction, so a number is
consumed only if the invoice that takes it commits: no gaps, no duplicates.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from ledger.schema import sequences


def next_value(conn: Connection, series: str) -> int:
    row = conn.execute(
        select(sequences.c.next_value).where(sequences.c.name == series).with_for_update()
    ).first()
    if row is None:
        conn.execute(insert(sequences).values(name=series, next_value=2))
        return 1
    conn.execute(update(sequences).where(sequences.c.name == series).values(next_value=row[0] + 1))
    return int(row[0])


def next_invoice_number(conn: Connection, pattern: str, year: int) -> str:
    """Format the next number of the series `pattern` for `year` (e.g. INV-{year}-{seq:04d})."""
    series = pattern.replace("{year}", str(year))
    return pattern.format(year=year, seq=next_value(conn, series))

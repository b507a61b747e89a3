"""PDF bytes -> positioned text lines: the raw material of remittance-table reading.

pypdfium2 (PDFium, C) reads each page's characters with their boxes in a few ms a page;
words and lines are rebuilt from the geometry, not from PDFium's own spacing, which
runs narrow columns together ("RechnungsbetragSkonto"). pdfplumber (slow, ~100 ms a page,
but it sees ruling lines) is asked only for pages where the caller found no table in the
fast reading (`ruled_tables`).

Everything here returns plain, picklable values, so the daemon can run it in a child
process with time and memory limits (daemon/pdfsandbox.py). Encrypted, image-only or
broken PDFs give a `problem`, never an exception.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

MAX_PAGES = 50
MAX_CHARS_PER_PAGE = 60_000


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float  # distance from the page's top edge, grows downwards
    height: float


@dataclass(frozen=True)
class Line:
    page: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class PdfContent:
    lines: tuple[Line, ...] = ()
    pages: int = 0
    problem: str | None = None
    creator: str = ""  # the PDF's Creator field ("arclerk" for our own invoices)
    #: per page, the tables pdfplumber found (rows of cell texts); only when asked for
    grids: tuple[tuple[int, tuple[tuple[str, ...], ...]], ...] = field(default=())


def read(data: bytes, max_pages: int = MAX_PAGES) -> PdfContent:
    """Positioned lines of every page (up to `max_pages`), or the reason there are none."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            return PdfContent(problem="PDF is encrypted (password protected)")
        return PdfContent(problem=f"PDF cannot be read: {msg}")
    lines: list[Line] = []
    creator = ""
    try:
        n_pages = len(pdf)
        with contextlib.suppress(Exception):  # a broken info dictionary is no reason to stop
            creator = str(pdf.get_metadata_dict().get("Creator", ""))[:200]
        for index in range(min(n_pages, max_pages)):
            page = pdf[index]
            try:
                height = page.get_height()
                textpage = page.get_textpage()
                try:
                    lines += _page_lines(textpage, index, height)
                finally:
                    textpage.close()
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        return PdfContent(problem=f"PDF cannot be read: {exc}")
    finally:
        pdf.close()
    if not lines:
        return PdfContent(pages=n_pages, problem="PDF has no text layer (image-only scan?)",
                          creator=creator)  # fmt: skip
    return PdfContent(lines=tuple(lines), pages=n_pages, creator=creator)


def _page_lines(textpage: object, page: int, page_height: float) -> list[Line]:
    n = min(textpage.count_chars(), MAX_CHARS_PER_PAGE)  # type: ignore[attr-defined]
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)  # type: ignore[attr-defined]
    if len(text) != n:  # characters outside the BMP shift the indices: no geometry then
        return _plain_lines(text, page)
    charbox = textpage.get_charbox  # type: ignore[attr-defined]
    # (text, left, right, top, height) per visible character, in PDFium's reading order
    chars: list[tuple[str, float, float, float, float]] = []
    breaks: set[int] = set()  # index in `chars` before which PDFium starts a new line
    for i, c in enumerate(text):
        if c in "\r\n":
            breaks.add(len(chars))
            continue
        if c.isspace() or c == "\x00":
            chars.append((" ", 0.0, 0.0, 0.0, 0.0))
            continue
        left, bottom, right, top = charbox(i, loose=True)
        chars.append((c, left, right, page_height - top, max(top - bottom, 0.1)))
    lines: list[list[Word]] = []
    current: list[Word] = []
    word: list[tuple[str, float, float, float, float]] = []

    def end_word() -> None:
        if word:
            current.append(_word(word))
            word.clear()

    def end_line() -> None:
        end_word()
        if current:
            lines.append(list(current))
            current.clear()

    for k, ch in enumerate(chars):
        if k in breaks:
            end_line()
        if ch[0] == " ":
            end_word()
            continue
        if word:
            prev = word[-1]
            size = max(prev[4], ch[4])
            # a gap wider than a third of the glyph height is a space PDFium did not write
            if ch[1] - prev[2] > size * 0.35 or abs(ch[3] - prev[3]) > size * 0.8:
                end_word()
        word.append(ch)
    end_line()
    return _merge_rows(lines, page)


def _word(chars: list[tuple[str, float, float, float, float]]) -> Word:
    heights = [c[4] for c in chars]
    return Word("".join(c[0] for c in chars), min(c[1] for c in chars),
                max(c[2] for c in chars), min(c[3] for c in chars), max(heights))  # fmt: skip


def _merge_rows(lines: list[list[Word]], page: int) -> list[Line]:
    """PDFium sometimes splits one visual row (cells drawn out of order); words whose
    vertical centres agree are one row, ordered left to right."""
    words = [w for ln in lines for w in ln]
    if not words:
        return []
    words.sort(key=lambda w: (w.top + w.height / 2, w.x0))
    rows: list[list[Word]] = []
    ref = tol = 0.0  # the current row's first centre, and how far a word may sit from it
    for w in words:
        centre = w.top + w.height / 2
        if rows and abs(centre - ref) <= tol:
            rows[-1].append(w)
            continue
        rows.append([w])
        ref, tol = centre, max(2.0, 0.45 * w.height)
    return [Line(page, tuple(sorted(r, key=lambda w: w.x0))) for r in rows]


def _plain_lines(text: str, page: int) -> list[Line]:
    out = []
    for y, raw in enumerate(text.replace("\r", "\n").split("\n")):
        words = tuple(Word(t, float(x * 10), float(x * 10 + 8), float(y * 12), 10.0)
                      for x, t in enumerate(raw.split()))  # fmt: skip
        if words:
            out.append(Line(page, words))
    return out


def ruled_tables(data: bytes, pages: list[int]) -> PdfContent:
    """Tables pdfplumber finds by their ruling lines on the given pages (0-based)."""
    import io

    import pdfplumber

    grids: list[tuple[int, tuple[tuple[str, ...], ...]]] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index in pages[:MAX_PAGES]:
                if index >= len(pdf.pages):
                    continue
                for table in pdf.pages[index].extract_tables():
                    rows = tuple(tuple(" ".join((c or "").split()) for c in row) for row in table)
                    if rows:
                        grids.append((index, rows))
    except Exception as exc:  # pdfminer raises many kinds on broken files
        return PdfContent(problem=f"PDF tables cannot be read: {type(exc).__name__}: {exc}")
    return PdfContent(grids=tuple(grids))

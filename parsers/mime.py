"""MIME walking with limits, and every text part turned into clean text.

Limits keep a hostile message from costing unbounded time or memory: total size, header
size, part count, nesting depth and the length of text worth reading. Charsets that lie
or are unknown fall back (UTF-8, then Windows-1252) to whichever reads with the fewest
replacement characters, never an exception. Forwarded messages (`message/rfc822`)
are opened for their attachments and their text, marked as quoted; Outlook's TNEF
`winmail.dat` is opened for the files inside it.

The parser uses the compat32 policy: policy.default parses every header of every part
into objects, which turns a message of 50,000 tiny parts into twenty seconds of work.
"""

from __future__ import annotations

import contextlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser

import lxml.html
from lxml import etree

from parsers.model import Attachment

MAX_BYTES = 25 * 1024 * 1024
MAX_HEADER_BYTES = 256 * 1024  # all header fields together; more is not mail but an attack
MAX_PARTS = 200
MAX_DEPTH = 10
MAX_TEXT = 256 * 1024  # characters of body text worth reading (a reply is never longer)
MAX_ATTACHMENTS = 20
FORWARD_MARK = "---------- Forwarded message ----------"
TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")


@dataclass
class Walked:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    reports: list[Message] = field(default_factory=list)  # message/delivery-status parts
    embedded: list[bytes] = field(default_factory=list)  # message/rfc822 (returned/forwarded)
    forwarded: list[str] = field(default_factory=list)  # text of forwarded messages
    unreadable: list[str] = field(default_factory=list)  # attachments that cannot be opened
    problems: list[str] = field(default_factory=list)


def _header_end(raw: bytes) -> int:
    """Where the header block ends (the blank line), or -1 within the header limit."""
    ends = [i for i in (raw.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES + 4),
                        raw.find(b"\n\n", 0, MAX_HEADER_BYTES + 2)) if i >= 0]  # fmt: skip
    return min(ends) if ends else -1


def parse_bytes(raw: bytes) -> tuple[Message, list[str]]:
    """The message tree and the problems met cutting it down to the limits."""
    problems: list[str] = []
    if len(raw) > MAX_BYTES:
        problems.append(f"message larger than {MAX_BYTES // (1024 * 1024)} MiB; the rest was ignored")  # fmt: skip
        raw = raw[:MAX_BYTES]
    if len(raw) > MAX_HEADER_BYTES and _header_end(raw) < 0:
        problems.append(f"header block larger than {MAX_HEADER_BYTES // 1024} KiB; "
                        "the message was not read")  # fmt: skip
        raw = raw[:MAX_HEADER_BYTES].rsplit(b"\n", 1)[0] + b"\n\n"
    return BytesParser(policy=policy.compat32).parsebytes(raw), problems


def decode_words(value: str) -> str:
    """RFC 2047 encoded-words decoded; an undecodable one stays as it was written."""
    if "=?" in value:
        with contextlib.suppress(UnicodeError, LookupError, HeaderParseError, ValueError):
            value = str(make_header(decode_header(value)))
    return value


def _decode(payload: bytes, declared: str | None) -> str:
    """The text of a part's bytes: the declared charset when it reads cleanly, else the
    reading with the fewest replacement characters (mail lies about charsets)."""
    tried: list[str] = []
    best: str | None = None
    for charset in (declared, "utf-8", "cp1252"):
        if not charset or charset in tried:
            continue
        tried.append(charset)
        try:
            text = payload.decode(charset, errors="replace")
        except LookupError:  # an unknown or invented charset name
            continue
        if "\ufffd" not in text:
            return text
        if best is None or text.count("\ufffd") < best.count("\ufffd"):
            best = text
    return best if best is not None else payload.decode("utf-8", errors="replace")


def part_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding the stdlib refuses to undo
        return ""
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    if charset in ("us-ascii", "ascii") and any(b > 127 for b in payload[:65536]):
        charset = None  # 8-bit text declared as ASCII: let the fallbacks decide
    return _decode(payload, charset)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return decode_words(str(name)) if name else None


def _tnef(data: bytes, out: Walked) -> bool:
    """The files inside Outlook's winmail.dat; False when it cannot be opened."""
    try:
        from tnefparse import TNEF

        tnef = TNEF(data)
        found = 0
        for att in tnef.attachments[:MAX_ATTACHMENTS]:
            payload = att.data if isinstance(att.data, bytes) else b""
            name = att.long_filename() or att.name or "unnamed"
            if isinstance(name, bytes):
                name = name.decode("utf-8", "replace")
            ctype = (
                "application/pdf"
                if str(name).lower().endswith(".pdf")
                else "application/octet-stream"
            )
            out.attachments.append(Attachment(str(name), ctype, len(payload), payload))
            found += 1
        body = getattr(tnef, "body", None)
        if isinstance(body, bytes) and body.strip():
            out.plain.append(_decode(body, None))
        return found > 0 or bool(body)
    except Exception:  # tnefparse raises on anything it does not expect
        return False


def walk(msg: Message) -> Walked:
    out = Walked()
    count = 0
    is_report = msg.get_content_type() == "multipart/report"

    def visit(part: Message, depth: int, forwarded: bool) -> None:
        nonlocal count
        count += 1
        if count > MAX_PARTS:
            if count == MAX_PARTS + 1:
                out.problems.append(f"more than {MAX_PARTS} MIME parts; the rest ignored")
            return
        if depth > MAX_DEPTH:
            if not any(p.startswith("MIME nesting") for p in out.problems):
                out.problems.append(f"MIME nesting deeper than {MAX_DEPTH}; inner parts ignored")
            return
        for defect in part.defects[:3]:
            name = type(defect).__name__
            if ("Base64" in name or "Boundary" in name) and len(out.problems) < 20:
                out.problems.append(f"damaged MIME: {name}")
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            out.reports.append(part)
            return
        if ctype in ("message/rfc822", "message/global", "text/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                with contextlib.suppress(RecursionError, LookupError, UnicodeError):
                    out.embedded.append(inner[0].as_bytes()[: MAX_TEXT * 4])
                if not is_report and ctype != "text/rfc822-headers":
                    # a forwarded message: its files count (a remittance PDF forwarded by
                    # the payer's clerk), its text is quoted history
                    visit(inner[0], depth + 1, True)
            elif isinstance(inner, str):
                out.embedded.append(inner.encode("utf-8", "replace"))
            else:
                decoded = part.get_payload(decode=True)
                out.embedded.append(decoded if isinstance(decoded, bytes) else b"")
            return
        if part.is_multipart():
            sub = part.get_payload()
            if isinstance(sub, list):
                for s in sub:
                    if isinstance(s, Message):
                        visit(s, depth + 1, forwarded)
            return
        if ctype.startswith("multipart/"):
            # a multipart whose boundary never comes: its body is all there is to read
            (out.forwarded if forwarded else out.plain).append(part_text(part))
            return
        disposition = part.get_content_disposition()
        filename = _filename(part)
        is_tnef = ctype in TNEF_TYPES or (filename or "").lower() == "winmail.dat"
        if disposition == "attachment" or is_tnef or (filename and not ctype.startswith("text/")):
            try:
                data = part.get_payload(decode=True) or b""
            except Exception:
                data = b""
            if not isinstance(data, bytes):
                data = b""
            if is_tnef:
                if not _tnef(data, out):
                    why = (f"{filename or 'winmail.dat'}: Outlook TNEF attachment that cannot "
                           "be opened; ask the sender to send plain attachments")  # fmt: skip
                    out.problems.append(why)
                    out.unreadable.append(why)
                return
            if len(out.attachments) < MAX_ATTACHMENTS:
                out.attachments.append(Attachment(filename or "unnamed", ctype, len(data), data))
            return
        if forwarded:
            if ctype == "text/plain":
                out.forwarded.append(part_text(part))
            elif ctype == "text/html" and not out.forwarded:
                out.forwarded.append(html_to_text(part_text(part)))
        elif ctype == "text/plain":
            out.plain.append(part_text(part))
        elif ctype == "text/html":
            out.html.append(part_text(part))

    try:
        visit(msg, 0, False)
    except RecursionError:
        out.problems.append("MIME structure nested too deeply to read")
    except Exception as exc:
        out.problems.append(f"MIME structure could not be read: {type(exc).__name__}: {exc}")
    return out


_BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "hr"})  # fmt: skip
_SKIP = frozenset({"script", "style", "head", "title"})
# libxml2's HTML parser (C, forgiving, no network, depth- and size-limited): ten times the
# speed of html.parser on the newsletters a billing inbox collects.
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True,
                                    remove_pis=True, no_network=True, huge_tree=True)  # fmt: skip


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body: blocks on their own lines, table cells split by tabs,
    quoted history (blockquote) prefixed with "> " and a marker where Gmail or Thunderbird
    start their quote, scripts and styles dropped."""
    try:
        root = lxml.html.document_fromstring(markup.encode("utf-8", "replace"), parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):  # empty or unparseable: strip the tags and go
        return _strip_tags(markup)
    parts: list[str] = []
    skip = quote = 0

    def data(text: str | None) -> None:
        if text and not skip:
            parts.append("\n".join("> " + ln for ln in text.split("\n")) if quote else text)

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                skip += 1
            elif tag == "blockquote":
                quote += 1
                parts.append("\n")
            elif tag in ("td", "th"):
                parts.append("\t")
            elif tag in _BLOCK:
                parts.append("\n")
            cls = el.get("class") or ""
            if "gmail_quote" in cls or "moz-cite-prefix" in cls:
                parts.append("\n\x00QUOTE\x00\n")
            data(el.text)
        else:
            if tag in _SKIP:
                skip = max(0, skip - 1)
            elif tag == "blockquote":
                quote = max(0, quote - 1)
                parts.append("\n")
            elif tag in _BLOCK and tag not in ("br", "hr"):  # void: one break, at the start
                parts.append("\n")
            data(el.tail)
    text = "".join(parts).replace("\xa0", " ")
    lines = [" ".join(ln.split()) if "\t" not in ln else ln.strip() for ln in text.split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    # libxml2 gives up past 2,048 levels of nesting (hostile mail): keep the words anyway.
    return out or _strip_tags(markup)


def _strip_tags(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())

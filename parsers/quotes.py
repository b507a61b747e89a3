"""What the sender newly wrote: quoted history and signature removed.

Handles '>' quoting, the attribution lines of the common clients ("On ... wrote:",
"Am ... schrieb ...:", "Le ... a écrit :", Outlook's "-----Original Message-----" and
its From:/Sent: header block) and signatures after "-- ".
"""

from __future__ import annotations

import re

_CUT_MARKERS = [
    re.compile(p, re.I)
    for p in (
        r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|"
        r"mensaje original|oorspronkelijk bericht|messaggio originale)\s*-{2,}",
        r"^\s*-{5,}\s*forwarded message\s*-{5,}",
        r"^\s*_{10,}\s*$",  # Outlook's rule above the quoted header block
        r"^\s*on .{3,200}\bwrote:\s*$",
        r"^\s*am .{3,200}\bschrieb .{0,200}:\s*$",
        r"^\s*le .{3,200}\ba écrit\s*:\s*$",
        r"^\s*el .{3,200}\bescribió:\s*$",
        r"^\s*op .{3,200}\bschreef .{0,200}:\s*$",
        r"^\s*il .{3,200}\bha scritto:\s*$",
        r"^\s*(from|von|de|da|van):\s.+$",  # start of an Outlook header block ...
        r"^\x00QUOTE\x00$",
    )
]
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*(sent|gesendet|envoyé|enviado|verzonden|inviato|date|datum|fecha|data|to|an|à|a|"
    r"para|aan|cc|subject|betreff|objet|asunto|onderwerp|oggetto)\s?:",
    re.I,
)
_SIG = re.compile(r"^(-- ?|—)$")
_WROTE_SPLIT = re.compile(r"^\s*(on|am|le|el|op|il)\s.{3,200}$", re.I)


def strip_quotes(text: str) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            continue
        if _SIG.match(line.rstrip()):
            break
        if _is_cut(lines, i):
            break
        out.append(line.rstrip())
    # A two-line attribution ("On Mon, 1 Dec 2026 at 10:00, Ann <a@b>\nwrote:") leaves
    # its first half behind; drop a trailing line that looks like one.
    while out and (
        not out[-1].strip() or (_WROTE_SPLIT.match(out[-1]) and _trailing_quote(lines, len(out)))
    ):
        out.pop()
    return "\n".join(out).strip()


def _trailing_quote(lines: list[str], idx: int) -> bool:
    rest = [ln for ln in lines[idx:] if ln.strip()]
    return bool(rest) and (
        rest[0].strip().lower().endswith(("wrote:", "schrieb:", "écrit :"))
        or rest[0].lstrip().startswith(">")
    )


def _is_cut(lines: list[str], i: int) -> bool:
    line = lines[i]
    for pat in _CUT_MARKERS:
        if pat.match(line):
            if pat.pattern.startswith(r"^\s*(from|von"):
                # Only a header block: the next non-empty lines carry Sent:/To: and so on.
                # Two of the next three lines must be header fields: "Van: X" followed by
                # a lone "Datum:" is a bank's field list, not a quoted message.
                nxt = [ln for ln in lines[i + 1 : i + 5] if ln.strip()][:3]
                return sum(1 for n in nxt if _HEADER_BLOCK_NEXT.match(n)) >= 2
            return True
    return False

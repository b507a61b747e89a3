"""Inbox sources: where raw messages come from, and where they go once handled.

Both sources follow one protocol: `batch()` yields raw messages not handled yet,
`done(item, dest)` records where a handled one should go, `flush()` moves them. The
caller commits a message's effects BEFORE calling `done`, so a crash in between re-reads
the message and the pipeline's dedup makes the second reading a no-op.

Maildir (embedded default): `new/` -> `cur/` (flags S, plus F when it needs review).
IMAP: see `daemon/imap_source.py`.
"""

from __future__ import annotations

import contextlib
import enum
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class Dest(enum.StrEnum):
    PROCESSED = "processed"  #: handled; nothing for a human
    REVIEW = "review"  #: handled, and a review item waits
    BOUNCE = "bounce"  #: a delivery report


@dataclass(frozen=True)
class Incoming:
    source_key: str  # unique within the mailbox (Maildir name; "UIDVALIDITY:UID")
    raw: bytes
    handle: object = None  # the source's own reference (path, uid)


class Source(Protocol):
    mailbox: str

    def batch(self) -> list[Incoming]: ...

    def done(self, item: Incoming, dest: Dest) -> None: ...

    def flush(self) -> None: ...

    def wait(self, seconds: float, stopping: Callable[[], bool]) -> None: ...

    def close(self) -> None: ...


class MaildirSource:
    def __init__(self, root: Path, batch_size: int = 50) -> None:
        self.root = root
        self.mailbox = f"maildir:{root.resolve()}"
        self.batch_size = batch_size
        self._handed: set[str] = set()
        for sub in ("new", "cur", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def batch(self) -> list[Incoming]:
        new = self.root / "new"
        out: list[Incoming] = []
        for name in sorted(os.listdir(new)):
            if name.startswith(".") or name in self._handed:
                continue
            try:
                raw = (new / name).read_bytes()
            except FileNotFoundError:  # another reader took it
                continue
            self._handed.add(name)
            out.append(Incoming(name.split(":", 1)[0], raw, new / name))
            if len(out) >= self.batch_size:
                break
        return out

    def done(self, item: Incoming, dest: Dest) -> None:
        path = item.handle
        assert isinstance(path, Path)
        flags = "FS" if dest is Dest.REVIEW else "S"
        with contextlib.suppress(FileNotFoundError):  # already moved by another reader
            os.replace(path, self.root / "cur" / f"{item.source_key}:2,{flags}")
        self._handed.discard(path.name)

    def flush(self) -> None:
        self._handed.clear()

    def wait(self, seconds: float, stopping: Callable[[], bool]) -> None:
        return None  # the daemon's own timer paces Maildir polling

    def close(self) -> None:
        return None

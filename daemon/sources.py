"""Inbox sources. Maildir (embedded default): a message leaves `new/` for `cur/` only
after its effects are committed, so a crash re-reads it and the pipeline's dedup makes
the second reading a no-op."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Incoming:
    source_key: str  # unique within the mailbox: the Maildir unique name
    path: Path


class MaildirSource:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.mailbox = f"maildir:{root.resolve()}"
        for sub in ("new", "cur", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def pending(self) -> Iterator[Incoming]:
        new = self.root / "new"
        for name in sorted(os.listdir(new)):
            if name.startswith("."):
                continue
            yield Incoming(name.split(":", 1)[0], new / name)

    def read(self, item: Incoming) -> bytes:
        return item.path.read_bytes()

    def done(self, item: Incoming, flags: str = "S") -> None:
        """Move to cur/ with Maildir info flags (S seen; F flagged = needs review)."""
        target = self.root / "cur" / f"{item.source_key}:2,{flags}"
        os.replace(item.path, target)

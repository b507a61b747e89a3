"""arclerk's one error tree.

    ArclerkError                 root; str() is a one-line, user-facing explanation
    ├── TransientError           may succeed if retried (network, 4xx, locked database)
    │   └── ServerUnavailable    the server cannot be used now (refused connection or
    │                            login): nothing is wrong with the message, so mail waits
    └── PermanentError           retrying will not help; stop and tell the admin
        ├── ConfigError          the configuration file or environment is wrong
        ├── InputError           a file the user gave us (import, rules) is wrong
        │   └── ImportConflict   re-import of an invoice number with different content
        └── StoreError           the database is unusable (schema, connection)

Retry decisions look at the class, never at the message text. Bad data inside
otherwise fine input is returned as `Problem` values, not raised.
"""

from __future__ import annotations

from dataclasses import dataclass


class ArclerkError(Exception):
    """Something went wrong in arclerk."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class TransientError(ArclerkError):
    """A temporary failure; the operation may succeed later."""


class ServerUnavailable(TransientError):
    """The mail server cannot be used right now."""


class PermanentError(ArclerkError):
    """A failure that retrying will not fix."""


class ConfigError(PermanentError):
    """The configuration is invalid."""


class InputError(PermanentError):
    """The input file is invalid."""


class ImportConflict(InputError):
    """An invoice with this number already exists with different content."""


class StoreError(PermanentError):
    """The database cannot be used."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input: where it is and why it is wrong."""

    where: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}" if self.where else self.why

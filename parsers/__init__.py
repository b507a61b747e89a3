"""Bytes in, facts out: everything arclerk can read from a message, purely.

Never does I/O, never reads the clock, never imports the rest of arclerk. A message it
cannot make sense of yields facts with `problems`, never an exception.
"""

from parsers.message import parse
from parsers.model import Attachment, AuthResult, BounceFact, ParsedMessage, PaymentFact

__all__ = ["Attachment", "AuthResult", "BounceFact", "ParsedMessage", "PaymentFact", "parse"]

"""Keys that identify a payer: company names as banks print them, and IBANs.

"ACME WIDGETS LTD." and "Acme Widgets Limited" have the same name key; banks cut long
names, so a key is also looked up by its word prefixes (see `name_lookup_keys`).
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import iban as _iban
from stdnum.exceptions import ValidationError

_SUFFIXES = re.compile(
    r"\b(LIMITED|LTD|GMBH|MBH|AG|KG|OHG|UG|EK|SARL|SAS|SA|SRL|SPA|BV|NV|INC|INCORPORATED|LLC|"
    r"LLP|PLC|CORP|CORPORATION|CO|COMPANY|OY|AB|AS|APS|SE|EURL|SNC)\b"
)

#: shorter name keys match too often to identify a payer by prefix
MIN_PREFIX = 6


def name_key(name: str) -> str:
    """Upper case, accents and punctuation gone, legal-form suffixes dropped."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    upper = re.sub(r"[^\w\s]", " ", plain.upper().replace("&", " AND "))
    return " ".join(_SUFFIXES.sub(" ", upper).split())


def name_lookup_keys(payer: str) -> list[str]:
    """The keys under which a customer may be stored for this payer name: the whole key
    and every word prefix of it at least MIN_PREFIX long ("ACME WIDGETS LONDON BRANCH"
    finds "ACME WIDGETS")."""
    words = name_key(payer).split()
    keys = [" ".join(words[:n]) for n in range(len(words), 0, -1)]
    return [k for i, k in enumerate(keys) if i == 0 or len(k) >= MIN_PREFIX]


def iban_key(value: str) -> str | None:
    """The compact IBAN if `value` is a valid one, else None."""
    try:
        return str(_iban.validate(value))
    except ValidationError:
        return None


def same_name(payer: str, customer_name: str) -> bool:
    """The payer's name is the customer's, allowing for legal forms and cut names."""
    a, b = name_key(payer), name_key(customer_name)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= MIN_PREFIX and long_.startswith(short)

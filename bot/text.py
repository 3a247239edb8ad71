"""Text as people type it, made safe to store and pass on: no lone surrogates, NULs or control characters."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(raw: str) -> str:
    """NFC-normalised ``raw`` with lone surrogates replaced by U+FFFD and control characters (NUL...) removed.

    Tabs and line breaks stay; surrounding white space is stripped.
    """
    text = _SURROGATE.sub("\ufffd", raw)
    return unicodedata.normalize("NFC", _CONTROL.sub("", text)).strip()


def storable(raw: str) -> bool:
    """Whether ``raw`` has no lone surrogate and no NUL, so UTF-8, SQLite and PostgreSQL all take it as it is.

    For keys looked up as typed (user names, passwords, e-mail addresses), where cleaning would change the key.
    """
    return _UNSTORABLE.search(raw) is None

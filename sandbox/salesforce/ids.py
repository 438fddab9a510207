"""Salesforce record IDs: a 15-character case-sensitive key plus a 3-character case-safe suffix.

Layout of the 15 characters (as in real IDs such as ``0017e00001W4GYRAA3``): a 3-character key
prefix naming the object (``001`` = Account), 2 characters for the instance, 1 reserved
character and a 9-character base-62 counter. The suffix encodes, for each 5-character chunk,
which positions are upper case, so the 18-character form survives case-insensitive systems.
See "ID Field Type":
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm
"""

from __future__ import annotations

import re

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
INSTANCE = "8S"  # our pretend instance; real orgs have e.g. "7e" or "55"
_SHAPE = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")


def case_safe_suffix(id15: str) -> str:
    """The three suffix characters for a 15-character ID."""
    suffix = ""
    for chunk_start in range(0, 15, 5):
        flags = 0
        for bit, char in enumerate(id15[chunk_start : chunk_start + 5]):
            if "A" <= char <= "Z":
                flags |= 1 << bit
        suffix += SUFFIX_ALPHABET[flags]
    return suffix


def make_id(key_prefix: str, number: int) -> str:
    """The 18-character ID of the ``number``-th record with this key prefix.

    Base-62 digits are ordered like ASCII, so IDs sort in creation order, as real ones mostly do.
    """
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
    id15 = key_prefix + INSTANCE + "0" + digits.rjust(9, "0")
    return id15 + case_safe_suffix(id15)


def normalize(value: str) -> str | None:
    """The canonical 18-character form of a 15- or 18-character ID, or None if malformed.

    An 18-character ID is matched case-insensitively: its suffix says which letters of the
    first 15 are upper case, which is the reason the suffix exists.
    """
    if not _SHAPE.fullmatch(value):
        return None
    if len(value) == 15:
        return value + case_safe_suffix(value)
    restored = _restore_case(value[:15], value[15:].upper())
    if restored is None:
        return None
    return restored + case_safe_suffix(restored)


def _restore_case(base: str, suffix: str) -> str | None:
    chars = list(base)
    for chunk, flag_char in enumerate(suffix):
        flags = SUFFIX_ALPHABET.find(flag_char)
        if flags < 0:
            return None
        for bit in range(5):
            pos = chunk * 5 + bit
            if flags >> bit & 1:
                if not chars[pos].isalpha():
                    return None
                chars[pos] = chars[pos].upper()
            else:
                chars[pos] = chars[pos].lower()
    return "".join(chars)


def has_prefix(record_id: str, key_prefix: str) -> bool:
    return record_id.startswith(key_prefix)

"""Ballot card codes: the 128-bit card secret, its QR payload, its typed backup code, and
the hash the database keeps. The format is specified in docs/cards.md.

    QR payload    RV1:<vote_id>:<secret as 26 Crockford base32 characters>
    backup code   the same 26 characters and 2 check characters, in groups of four:
                  XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX
    card hash     SHA-256(b"rendavote/v1/card\\x00" || vote_id (UTF-8) || b"\\x00" || secret)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "BACKUP_CODE_CHARS",
    "CARD_HASH_DOMAIN",
    "CARD_SECRET_BYTES",
    "QR_PREFIX",
    "CardCode",
    "CardCodeError",
    "card_hash",
    "check_vote_id",
    "decode_card_input",
    "encode_backup_code",
    "encode_qr_payload",
    "new_card_secret",
]

CARD_SECRET_BYTES = 16
CARD_HASH_DOMAIN = b"rendavote/v1/card\x00"
QR_PREFIX = "RV1"

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_DATA_CHARS = 26  # ceil(128 / 5); the top two bits of the first character are zero
_CHECK_CHARS = 2
BACKUP_CODE_CHARS = _DATA_CHARS + _CHECK_CHARS
_CHECK_MODULUS = 1021  # prime below 32**2: see _check_value

_DECODE = {c: v for v, c in enumerate(_ALPHABET)}
# Crockford's reading of look-alikes: O is zero, I and L are one.
_DECODE.update({"O": 0, "I": 1, "L": 1})

_VOTE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Separators people type or that input methods produce; all ignored in a backup code.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d]+")


class CardCodeError(ValueError):
    """Text that is not a well-formed card payload or backup code (or a bad vote id)."""


@dataclass(frozen=True)
class CardCode:
    """A card secret together with its printed backup code."""

    secret: bytes

    def __post_init__(self) -> None:
        _check_secret(self.secret)

    @property
    def backup_code(self) -> str:
        return encode_backup_code(self.secret)


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes) or len(secret) != CARD_SECRET_BYTES:
        raise CardCodeError(f"a card secret is exactly {CARD_SECRET_BYTES} bytes")


def check_vote_id(vote_id: str) -> None:
    """Vote ids on cards are 1–64 characters of [A-Za-z0-9._-], starting alphanumeric, so
    they cannot contain the payload's ':' separator or the hash's NUL separator."""
    if not isinstance(vote_id, str) or not _VOTE_ID.fullmatch(vote_id):
        raise CardCodeError(f"vote id {vote_id!r} is not usable on a ballot card")


def new_card_secret(rng: Callable[[int], bytes]) -> bytes:
    """A fresh 128-bit card secret from ``rng`` (e.g. ``secrets.token_bytes``)."""
    secret = rng(CARD_SECRET_BYTES)
    _check_secret(secret)
    return secret


def _encode_data(secret: bytes) -> str:
    n = int.from_bytes(secret, "big")
    return "".join(_ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(_DATA_CHARS)))


def _values(chars: str) -> list[int]:
    try:
        return [_DECODE[c] for c in chars.upper()]
    except KeyError as exc:
        raise CardCodeError(f"{exc.args[0]!r} is not a card code character") from None


def _decode_data(values: list[int]) -> bytes:
    n = 0
    for v in values:
        n = (n << 5) | v
    if n >> (8 * CARD_SECRET_BYTES):
        raise CardCodeError("card code is out of range")
    return n.to_bytes(CARD_SECRET_BYTES, "big")


def _check_value(values: list[int]) -> int:
    # Weighted sum modulo a prime: weights 1..26 are distinct and non-zero mod 1021 and
    # every digit difference is below 32, so any single wrong character and any swap of
    # two different characters change the check value.
    return sum((i + 1) * v for i, v in enumerate(values)) % _CHECK_MODULUS


def encode_backup_code(secret: bytes) -> str:
    """The typed form of a card secret: 28 characters in seven groups of four."""
    _check_secret(secret)
    data = _encode_data(secret)
    check = _check_value(_values(data))
    chars = data + _ALPHABET[check >> 5] + _ALPHABET[check & 31]
    return "-".join(chars[i : i + 4] for i in range(0, BACKUP_CODE_CHARS, 4))


def encode_qr_payload(vote_id: str, secret: bytes) -> str:
    """The text the card's QR code carries."""
    check_vote_id(vote_id)
    _check_secret(secret)
    return f"{QR_PREFIX}:{vote_id}:{_encode_data(secret)}"


def decode_card_input(text: str) -> tuple[str | None, bytes]:
    """Read what the tablet got: a scanned QR payload gives (vote_id, secret), a typed
    backup code gives (None, secret). Typing is forgiven: case, spaces, dashes, full-width
    characters, and O/I/L for 0/1. Raises CardCodeError (a ValueError) otherwise."""
    if not isinstance(text, str):
        raise CardCodeError("card input must be text")
    # NFKC folds full-width letters, digits and colons typed through Chinese input methods.
    text = unicodedata.normalize("NFKC", text).strip()
    if text[: len(QR_PREFIX) + 1].upper() == QR_PREFIX + ":":
        vote_id, sep, code = text[len(QR_PREFIX) + 1 :].rpartition(":")
        if not sep:
            raise CardCodeError("card payload has no vote id")
        check_vote_id(vote_id)
        values = _values(code)
        if len(values) != _DATA_CHARS:
            raise CardCodeError(f"card payload secret must be {_DATA_CHARS} characters")
        return vote_id, _decode_data(values)

    values = _values(_SEPARATORS.sub("", text))
    if len(values) != BACKUP_CODE_CHARS:
        raise CardCodeError(f"a backup code has {BACKUP_CODE_CHARS} characters")
    data, check = values[:_DATA_CHARS], values[_DATA_CHARS:]
    if check[0] * 32 + check[1] != _check_value(data):
        raise CardCodeError("backup code mistyped (check characters do not match)")
    return None, _decode_data(data)


def card_hash(vote_id: str, secret: bytes) -> bytes:
    """What the database keeps for a card: its secret never leaves the printed card."""
    check_vote_id(vote_id)
    _check_secret(secret)
    return hashlib.sha256(CARD_HASH_DOMAIN + vote_id.encode("utf-8") + b"\x00" + secret).digest()

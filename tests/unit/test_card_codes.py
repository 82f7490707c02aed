"""Ballot card codes: QR payload, backup code, card hash."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from voting.card_codes import (
    BACKUP_CODE_CHARS,
    CardCode,
    CardCodeError,
    card_hash,
    decode_card_input,
    encode_backup_code,
    encode_qr_payload,
    new_card_secret,
)

SECRET = bytes(range(16))  # 000102…0f


def test_known_answers() -> None:
    # 0x000102…0f as 130 bits (two zero bits in front) in 5-bit groups, Crockford digits
    assert (
        encode_qr_payload("projects-2019", SECRET) == "RV1:projects-2019:00041061050R3GG28A1C60T3GF"
    )
    assert encode_qr_payload("v", b"\xff" * 16) == "RV1:v:" + "7" + "Z" * 25
    assert encode_backup_code(b"\x00" * 16) == "0000-0000-0000-0000-0000-0000-0000"
    # check value: sum((i + 1) * digit_i) mod 1021 = 42 = "1A"
    assert encode_backup_code(SECRET) == "0004-1061-050R-3GG2-8A1C-60T3-GF1A"
    assert encode_backup_code(b"\xff" * 16) == "7ZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZM7"
    code = encode_backup_code(SECRET)
    assert len(code) == 34 and code.count("-") == 6


def test_new_card_secret_uses_rng() -> None:
    assert new_card_secret(lambda n: b"\x01" * n) == b"\x01" * 16
    assert len(new_card_secret(secrets.token_bytes)) == 16
    with pytest.raises(ValueError):
        new_card_secret(lambda n: b"\x01" * (n - 1))


def test_round_trips() -> None:
    for _ in range(200):
        secret = secrets.token_bytes(16)
        assert decode_card_input(encode_qr_payload("motion-1", secret)) == ("motion-1", secret)
        assert decode_card_input(encode_backup_code(secret)) == (None, secret)
    for secret in (b"\x00" * 16, b"\xff" * 16):
        assert decode_card_input(encode_backup_code(secret)) == (None, secret)


def test_card_code_dataclass() -> None:
    card = CardCode(SECRET)
    assert card.backup_code == encode_backup_code(SECRET)
    with pytest.raises(ValueError):
        CardCode(b"short")


def test_typing_is_forgiven() -> None:
    secret = bytes.fromhex("0123456789abcdef0123456789abcdef")
    code = encode_backup_code(secret)
    compact = code.replace("-", "")
    variants = [
        code.lower(),
        compact,
        " ".join(code.split("-")),
        "  " + code + "\n",
        code.replace("0", "O").replace("1", "l"),
        code.replace("1", "I").replace("0", "o"),
        code.replace("-", "\u2014"),  # em dash
        # full-width characters and dashes from a Chinese input method
        "".join(chr(ord(c) + 0xFEE0) if c != "-" else "\uff0d" for c in code),
    ]
    for text in variants:
        assert decode_card_input(text) == (None, secret), text


def test_qr_prefix_case_and_vote_id_case_kept() -> None:
    payload = encode_qr_payload("Vote.A_1", SECRET)
    assert decode_card_input(payload.lower().replace("vote.a_1", "Vote.A_1")) == (
        "Vote.A_1",
        SECRET,
    )


def test_every_single_typo_is_caught() -> None:
    code = encode_backup_code(SECRET).replace("-", "")
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for i in range(BACKUP_CODE_CHARS):
        for c in alphabet:
            if c == code[i]:
                continue
            typo = code[:i] + c + code[i + 1 :]
            with pytest.raises(CardCodeError):
                decode_card_input(typo)


def test_every_swap_of_two_characters_is_caught() -> None:
    code = encode_backup_code(bytes.fromhex("f0e1d2c3b4a5968778695a4b3c2d1e0f")).replace("-", "")
    for i in range(BACKUP_CODE_CHARS):
        for j in range(i + 1, BACKUP_CODE_CHARS):
            if code[i] == code[j]:
                continue
            swapped = list(code)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            try:
                _, got = decode_card_input("".join(swapped))
            except CardCodeError:
                continue
            pytest.fail(f"swap of {i} and {j} decoded to {got.hex()}")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "RV1:",
        "RV1:vote",  # no secret part
        "RV1::00041061050R3GG28A1C60T3GF",  # empty vote id
        "RV1:a:b:00041061050R3GG28A1C60T3GF",  # ':' in vote id
        "RV1:vote:000G40R40M30E209185GR38E1",  # 25 characters
        "RV1:vote:00041061050R3GG28A1C60T3GFW",  # 27 characters
        "RV1:vote:800G40R40M30E209185GR38E1W",  # above 2**128
        "RV1:vote:000G40R40M30E209185GR38EUW",  # U is not a Crockford digit
        "RV1:vote:0004 1061050R3GG28A1C60T3GF",  # no separators inside a payload
        "RV2:vote:00041061050R3GG28A1C60T3GF",
        "0000-0000-0000-0000-0000-0000-000",  # 27
        "0000-0000-0000-0000-0000-0000-00000",  # 29
        "0000-0000-0000-0000-0000-0000-0001",  # wrong check
        "8000-0000-0000-0000-0000-0000-0000",  # out of range
        "0000-0000-0000-0000-0000-0000-00U0",
        "0000_0000_0000_0000_0000_0000_0000",
        "资兴",
    ],
)
def test_malformed_input(text: str) -> None:
    with pytest.raises(CardCodeError):
        decode_card_input(text)


def test_surrounding_whitespace_is_trimmed() -> None:
    assert decode_card_input(" RV1:vote:00041061050R3GG28A1C60T3GF\r\n") == ("vote", SECRET)


def test_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        decode_card_input("nonsense")
    with pytest.raises(CardCodeError):
        decode_card_input(b"bytes")  # type: ignore[arg-type]


def test_card_hash() -> None:
    expected = hashlib.sha256(b"rendavote/v1/card\x00projects-2019\x00" + SECRET).digest()
    assert expected.hex() == "d36ee14f1a4f3aa60eb4f588dd9a76add3ca31e2c2a07e23f1a4dee209480b2e"
    assert card_hash("projects-2019", SECRET) == expected
    assert card_hash("projects-2019", SECRET) != card_hash("projects-2020", SECRET)
    with pytest.raises(CardCodeError):
        card_hash("bad\x00id", SECRET)
    with pytest.raises(CardCodeError):
        card_hash("vote", b"\x00" * 15)


@pytest.mark.parametrize("vote_id", ["", "-lead", "a:b", "x" * 65, "票决", "a b"])
def test_bad_vote_ids(vote_id: str) -> None:
    with pytest.raises(CardCodeError):
        encode_qr_payload(vote_id, SECRET)

"""Key storage encrypted at rest, and fingerprints."""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import keys
from keys import (
    KeyStoreError,
    ScryptParams,
    fingerprint,
    generate_keypair,
    key_fingerprint,
    load_private_key,
    read_public_key,
    save_private_key,
)

FAST = ScryptParams(n=2**14)  # the smallest cost allowed, to keep tests quick


def _same(a: Ed25519PrivateKey, b: Ed25519PrivateKey) -> bool:
    return a.sign(b"m") == b.sign(b"m")


def _save(key: Ed25519PrivateKey, path: Path, passphrase: str = "正确的口令 horse") -> None:
    save_private_key(key, path, passphrase, rng=secrets.token_bytes, params=FAST)


def test_generate_from_rng_is_repeatable() -> None:
    a = generate_keypair(lambda n: b"\x07" * n)
    b = generate_keypair(lambda n: b"\x07" * n)
    assert _same(a, b)
    with pytest.raises(ValueError):
        generate_keypair(lambda n: b"\x07")


def test_round_trip_mode_0600_and_encrypted(tmp_path: Path) -> None:
    key = generate_keypair(secrets.token_bytes)
    path = tmp_path / "presidium.key"
    _save(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_private_key(path, "正确的口令 horse")
    assert _same(key, loaded)
    raw = key.private_bytes_raw()
    text = path.read_text()
    assert raw.hex() not in text
    doc = json.loads(text)
    assert doc["encryption"]["kdf"] == "scrypt"
    assert doc["encryption"]["n"] == 2**14
    assert not list(tmp_path.glob(".*.tmp"))


def test_default_cost_round_trip(tmp_path: Path) -> None:
    key = generate_keypair(secrets.token_bytes)
    path = tmp_path / "k"
    save_private_key(key, path, b"bytes passphrase", rng=secrets.token_bytes)
    assert json.loads(path.read_text())["encryption"]["n"] == 2**17
    assert _same(key, load_private_key(path, b"bytes passphrase"))


def test_passphrase_unicode_normalisation(tmp_path: Path) -> None:
    key = generate_keypair(secrets.token_bytes)
    path = tmp_path / "k"
    _save(key, path, "caf\u00e9")  # precomposed é
    assert _same(key, load_private_key(path, "cafe\u0301"))  # e + combining accent


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "k"
    _save(generate_keypair(secrets.token_bytes), path)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        load_private_key(path, "wrong")
    with pytest.raises(KeyStoreError, match="needs its passphrase"):
        load_private_key(path, "")


def test_empty_passphrase_only_for_demo(tmp_path: Path) -> None:
    key = generate_keypair(secrets.token_bytes)
    with pytest.raises(KeyStoreError, match="demo"):
        save_private_key(key, tmp_path / "k", "", rng=secrets.token_bytes)
    with pytest.raises(KeyStoreError, match="demo"):
        save_private_key(key, tmp_path / "k", "  ", rng=secrets.token_bytes)
    assert not (tmp_path / "k").exists()

    save_private_key(key, tmp_path / "demo", "", rng=secrets.token_bytes, allow_demo=True)
    assert json.loads((tmp_path / "demo").read_text())["encryption"] is None
    with pytest.raises(KeyStoreError, match="not encrypted"):
        load_private_key(tmp_path / "demo", "")
    assert _same(key, load_private_key(tmp_path / "demo", "", allow_demo=True))


def test_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "k"
    first, second = generate_keypair(secrets.token_bytes), generate_keypair(secrets.token_bytes)
    _save(first, path)
    with pytest.raises(KeyStoreError, match="exists"):
        _save(second, path)
    assert _same(first, load_private_key(path, "正确的口令 horse"))
    save_private_key(second, path, "p", rng=secrets.token_bytes, params=FAST, overwrite=True)
    assert _same(second, load_private_key(path, "p"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_refuses_files_readable_by_others(tmp_path: Path) -> None:
    path = tmp_path / "k"
    _save(generate_keypair(secrets.token_bytes), path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyStoreError, match="chmod 600"):
        load_private_key(path, "正确的口令 horse")


def test_refuses_symlinks_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "k"
    _save(generate_keypair(secrets.token_bytes), path)
    (tmp_path / "link").symlink_to(path)
    with pytest.raises(KeyStoreError):
        load_private_key(tmp_path / "link", "正确的口令 horse")
    with pytest.raises(KeyStoreError, match="cannot open"):
        load_private_key(tmp_path / "nope", "x")


def _rewrite(path: Path, field: str, value: object) -> None:
    doc = json.loads(path.read_text())
    if field.startswith("encryption."):
        doc["encryption"][field.split(".", 1)[1]] = value
    else:
        doc[field] = value
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("public_key", "11" * 32),
        ("private_key", "00" * 48),
        ("encryption.salt", "00" * 16),
        ("encryption.nonce", "00" * 12),
        ("encryption.n", 2**15),
        ("encryption.r", 4),
        ("encryption.p", 2),
    ],
)
def test_altered_file_fails(tmp_path: Path, field: str, value: object) -> None:
    path = tmp_path / "k"
    _save(generate_keypair(secrets.token_bytes), path)
    _rewrite(path, field, value)
    with pytest.raises(KeyStoreError):
        load_private_key(path, "正确的口令 horse")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("format", "other/v9"),
        ("public_key", "XYZ"),
        ("encryption.kdf", "pbkdf2"),
        ("encryption.cipher", "aes-128-cbc"),
        ("encryption.n", 2**30),  # would ask for 128 GiB
        ("encryption.n", 2**10),  # too cheap
        ("encryption.n", 3 * 2**14),  # not a power of two
        ("encryption.n", "16384"),
        ("encryption.salt", "00"),
        ("encryption", "none"),
    ],
)
def test_malformed_file_fails(tmp_path: Path, field: str, value: object) -> None:
    path = tmp_path / "k"
    _save(generate_keypair(secrets.token_bytes), path)
    _rewrite(path, field, value)
    with pytest.raises(KeyStoreError):
        load_private_key(path, "正确的口令 horse")


def test_not_json_or_wrong_fields(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text("not json")
    path.chmod(0o600)
    with pytest.raises(KeyStoreError, match="JSON"):
        load_private_key(path, "x")
    path.write_text("{}")
    with pytest.raises(KeyStoreError, match="fields"):
        load_private_key(path, "x")


def test_demo_key_swapped_public_key_fails(tmp_path: Path) -> None:
    path = tmp_path / "demo"
    save_private_key(
        generate_keypair(secrets.token_bytes), path, "", rng=secrets.token_bytes, allow_demo=True
    )
    _rewrite(path, "public_key", "11" * 32)
    with pytest.raises(KeyStoreError, match="does not match"):
        load_private_key(path, "", allow_demo=True)


def test_read_public_key_and_fingerprints(tmp_path: Path) -> None:
    key = generate_keypair(secrets.token_bytes)
    path = tmp_path / "k"
    _save(key, path)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert read_public_key(path) == public
    fp = key_fingerprint(key)
    assert fp == key_fingerprint(key.public_key()) == fingerprint(public)
    assert len(fp) == 39 and fp.count("-") == 7


def test_package_exports() -> None:
    for name in keys.__all__:
        assert hasattr(keys, name)

"""Signed result certificates: signing, JSON round trip, and refusal of every tampering."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tally.certificate import (
    CERTIFICATE_DOMAIN,
    Certificate,
    CertificateError,
    Signature,
    fingerprint,
    public_key_hex,
    sign_certificate,
    sign_payload,
    signing_message,
    verify_certificate,
)

# RFC 8032 §7.1 TEST 1 secret key: a fixed key makes the signature a known answer.
RFC8032_SK = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PK = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def _key(n: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32)


PAYLOAD: dict[str, Any] = {
    "vote": "projects-2019",
    "counts": [121, 120, 121],
    "elected": [0, 2, 1],
    "tie": None,
    "rate": 0.5,
    "nested": {"head": "ab" * 32, "ok": True},
}


def _cert() -> tuple[Certificate, dict[str, str]]:
    signers = [
        ("presidium", "certification", _key(1)),
        ("scrutineer-1", "scrutineer", _key(2)),
        ("scrutineer-3", "scrutineer", _key(3)),
    ]
    cert = sign_certificate(PAYLOAD, signers)
    expected = {name: public_key_hex(key) for name, _, key in signers}
    return cert, expected


def test_known_answer() -> None:
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SK)
    payload = {"vote": "projects-2019", "elected": [0, 2, 4], "rate": 0.5}
    assert signing_message(payload, "presidium", "certification") == (
        b"rendavote/v1/certificate\x00"
        b'{"payload":{"elected":[0,2,4],"rate":0.5,"vote":"projects-2019"},'
        b'"role":"certification","signer":"presidium"}'
    )
    sig = sign_payload(payload, key, "presidium", "certification")
    assert sig.public_key_hex == RFC8032_PK
    assert sig.signature_hex == (
        "121c09e6b995ea435f4333b8cb2e6e0e448e84b7b1460857eadd6f22c4d14508"
        "7ac1b72c2a11bdbea1c98fa0fb98bb5330b7c4d3e0c389a7ced87b826bed7a05"
    )
    verify_certificate(Certificate(payload, (sig,)), {"presidium": RFC8032_PK})


def test_domain_prefix() -> None:
    assert signing_message({}, "a", "b").startswith(CERTIFICATE_DOMAIN)


def test_sign_verify_and_json_round_trip() -> None:
    cert, expected = _cert()
    verify_certificate(cert)
    verify_certificate(cert, expected, required_signers=["presidium", "scrutineer-3"])
    doc = json.loads(json.dumps(cert.to_json()))
    assert set(doc) == {"payload", "signatures"}
    assert set(doc["signatures"][0]) == {"signer", "role", "public_key", "signature"}
    again = Certificate.from_json(doc)
    assert again == cert
    verify_certificate(again, expected)


def test_scrutineers_can_add_signatures_one_by_one() -> None:
    first = Certificate(PAYLOAD, (sign_payload(PAYLOAD, _key(1), "presidium", "certification"),))
    both = first.with_signature(sign_payload(PAYLOAD, _key(2), "scrutineer-1", "scrutineer"))
    verify_certificate(both, required_signers=["presidium", "scrutineer-1"])
    assert len(first.signatures) == 1


def test_certificate_keeps_its_own_copy_of_the_payload() -> None:
    payload = copy.deepcopy(PAYLOAD)
    cert = sign_certificate(payload, [("presidium", "certification", _key(1))])
    payload["counts"][0] = 999
    verify_certificate(cert)
    cert.to_json()["payload"]["counts"][0] = 999
    verify_certificate(cert)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every leaf of a JSON document, as a path of keys / indices."""
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _paths(v, (*prefix, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _paths(v, (*prefix, i))]
    return [prefix]


def _altered(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if value is None:
        return 0
    assert isinstance(value, str)
    if len(value) in (64, 128) and all(c in "0123456789abcdef" for c in value):
        # flip one hex digit, staying well-formed hex
        return ("1" if value[0] == "0" else "0") + value[1:]
    return value + "x"


def _doc_paths() -> list[tuple[Any, ...]]:
    cert, _ = _cert()
    return _paths(cert.to_json())


@pytest.mark.parametrize("path", _doc_paths(), ids=lambda p: "/".join(map(str, p)))
def test_changing_any_single_value_fails(path: tuple[Any, ...]) -> None:
    cert, expected = _cert()
    doc = cert.to_json()
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = _altered(node[path[-1]])
    with pytest.raises(CertificateError):
        verify_certificate(Certificate.from_json(doc))
    with pytest.raises(CertificateError):
        verify_certificate(Certificate.from_json(doc), expected)


def test_payload_fields_added_or_removed_fail() -> None:
    cert, _ = _cert()
    added = Certificate({**cert.payload, "extra": 1}, cert.signatures)
    with pytest.raises(CertificateError, match="does not verify"):
        verify_certificate(added)
    removed = dict(cert.payload)
    del removed["tie"]
    with pytest.raises(CertificateError, match="does not verify"):
        verify_certificate(Certificate(removed, cert.signatures))


def test_signature_by_a_stranger_is_refused_with_expected_signers() -> None:
    cert, expected = _cert()
    stranger = sign_payload(cert.payload, _key(9), "scrutineer-1", "scrutineer")
    swapped = Certificate(cert.payload, (cert.signatures[0], stranger))
    verify_certificate(swapped)  # a valid signature in itself ...
    with pytest.raises(CertificateError, match="not the expected one"):
        verify_certificate(swapped, expected)  # ... but not by the known scrutineer
    unknown = sign_payload(cert.payload, _key(9), "mallory", "scrutineer")
    with pytest.raises(CertificateError, match="unexpected signer"):
        verify_certificate(cert.with_signature(unknown), expected)


def test_missing_required_signature() -> None:
    cert, expected = _cert()
    fewer = Certificate(cert.payload, cert.signatures[:2])
    verify_certificate(fewer, expected)
    with pytest.raises(CertificateError, match="missing signature of 'scrutineer-3'"):
        verify_certificate(fewer, expected, required_signers=["presidium", "scrutineer-3"])


def test_no_signature_and_duplicates_are_refused() -> None:
    cert, _ = _cert()
    with pytest.raises(CertificateError, match="no signature"):
        verify_certificate(Certificate(cert.payload, ()))
    with pytest.raises(CertificateError, match="signed twice"):
        verify_certificate(cert.with_signature(cert.signatures[0]))
    same_key = sign_payload(cert.payload, _key(1), "presidium-2", "certification")
    with pytest.raises(CertificateError, match="appears twice"):
        verify_certificate(cert.with_signature(same_key))


def test_signature_moved_to_another_role_fails() -> None:
    cert, _ = _cert()
    s = cert.signatures[1]
    moved = Signature(s.signer, "certification", s.public_key_hex, s.signature_hex)
    with pytest.raises(CertificateError, match="does not verify"):
        verify_certificate(Certificate(cert.payload, (moved,)))


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"payload": {}},
        {"payload": {}, "signatures": [], "extra": 1},
        {"payload": [], "signatures": []},
        {"payload": {}, "signatures": {}},
        {"payload": {}, "signatures": [{"signer": "a", "role": "b", "public_key": "00"}]},
        {
            "payload": {},
            "signatures": [
                {"signer": "", "role": "b", "public_key": "00" * 32, "signature": "00" * 64}
            ],
        },
        {
            "payload": {},
            "signatures": [
                {"signer": "a", "role": "b", "public_key": "AB" * 32, "signature": "00" * 64}
            ],
        },
        {
            "payload": {},
            "signatures": [
                {"signer": "a", "role": "b", "public_key": "00" * 32, "signature": "00" * 63}
            ],
        },
    ],
)
def test_malformed_documents_are_refused(doc: Any) -> None:
    with pytest.raises(CertificateError):
        Certificate.from_json(doc)


def test_payload_without_canonical_form_is_refused() -> None:
    with pytest.raises(CertificateError, match="canonical"):
        sign_payload({"x": float("nan")}, _key(1), "a", "b")


def test_invalid_public_key_point_is_refused() -> None:
    cert, _ = _cert()
    s = cert.signatures[0]
    # y = 2 is not the y-coordinate of any curve point
    bad = Signature(s.signer, s.role, "02" + "00" * 31, s.signature_hex)
    with pytest.raises(CertificateError):
        verify_certificate(Certificate(cert.payload, (bad,)))


def test_fingerprint() -> None:
    # sha256(pk) = 21fe31dfa154a261626bf854046fd2271b7b… (checked with sha256sum)
    assert fingerprint(bytes.fromhex(RFC8032_PK)) == "21fe-31df-a154-a261-626b-f854-046f-d227"
    with pytest.raises(ValueError):
        fingerprint(b"")

"""The Benaloh audit document: an encrypted ballot opened instead of cast (the kiosk's
"检查加密"), checked offline by ``tally audit FILE``.

The kiosk downloads this JSON object::

    {"format": "rendavote/audit/v1",
     "election": {"manifest": {...}, "public_key": hex K, "election_hash": hex h_E},
     "ballot": <EncryptedBallot JSON>,
     "opening": {"nonces": [hex r_i, ...]},
     "choices": [0 | 1, ...]}

``check_audit`` checks every proof of the ballot against the election, that the nonces
reproduce each ciphertext, and that the ballot they open is exactly ``choices``. It cannot
know whether ``election`` is the real vote's: the auditor compares ``election_hash`` with
the one the vote publishes (its election record, or the kiosk's ``/election`` answer).
"""

from __future__ import annotations

from tally.ballot import BallotOpening, EncryptedBallot, open_ballot, verify_ballot
from tally.election import ElectionContext
from tally.errors import TallyError
from tally.json_fields import get_bytes, get_int, get_list, get_object, get_point, get_str
from tally.manifest import Manifest

__all__ = ["AUDIT_FORMAT", "AuditError", "check_audit"]

AUDIT_FORMAT = "rendavote/audit/v1"
_DOCUMENT_KEYS = ("format", "election", "ballot", "opening", "choices")
_ELECTION_KEYS = ("manifest", "public_key", "election_hash")


class AuditError(TallyError):
    """An audit document that is malformed, whose ballot fails its proofs, or whose opening
    does not reproduce the ballot and its stated choices."""


def _context(election: object) -> ElectionContext:
    fields = get_object(election, _ELECTION_KEYS, "election")
    manifest = Manifest.from_json(fields["manifest"])
    public_key = get_point(fields["public_key"], "election.public_key")
    election_hash = get_bytes(fields["election_hash"], 32, "election.election_hash")
    return ElectionContext(manifest, public_key, election_hash)


def check_audit(document: object) -> list[int]:
    """Check an audit document; return the choices (one 0/1 per selection) it proves.

    Raises AuditError, whose message says what failed (never returns on a bad document).
    """
    try:
        fields = get_object(document, _DOCUMENT_KEYS, "audit document")
        if get_str(fields["format"], "format") != AUDIT_FORMAT:
            raise AuditError(f"format: expected {AUDIT_FORMAT!r}")
        ctx = _context(fields["election"])
        ballot = EncryptedBallot.from_json(fields["ballot"])
        opening = BallotOpening.from_json(fields["opening"])
        claimed = [get_int(c, "choices", 0, 1) for c in get_list(fields["choices"], "choices")]
        verify_ballot(ctx, ballot)
        opened = list(open_ballot(ctx, ballot, opening).choices)
    except AuditError:
        raise
    except TallyError as exc:
        raise AuditError(str(exc)) from exc
    if opened != claimed:
        raise AuditError(f"the ballot opens to {opened}, not to the stated choices {claimed}")
    return opened

"""The exception tree of the pure core.

Every check in ``tally`` raises one of these; nothing returns a bool for "valid"::

    TallyError                      base of every refusal raised by tally/
    ├── InvalidEncoding             bytes/JSON that do not decode to a valid value
    │   └── InvalidManifest         a manifest that is malformed or inconsistent
    ├── InvalidProof                a zero-knowledge proof that does not verify
    ├── InvalidBallot               an encrypted ballot that fails verification or audit
    │                               (.selection / .constraint name the failing part)
    ├── InvalidChoices              an honest encryptor refusing choices outside the limits
    ├── InvalidShare                a scrutineer's ceremony message, share or decryption
    │                               share that fails (.scrutineer names who, attributably)
    ├── InvalidCeremony             a ceremony result whose parts do not fit together
    └── DecryptionError             a tally that cannot be decrypted (too few shares,
                                    count outside the table)

Other layers (records, certificates) add their own subclasses of ``TallyError``.
Messages are English and meant for logs and ``tally verify``; a service maps the classes
to its own user-facing codes.
"""

from __future__ import annotations

__all__ = [
    "DecryptionError",
    "InvalidBallot",
    "InvalidCeremony",
    "InvalidChoices",
    "InvalidEncoding",
    "InvalidManifest",
    "InvalidProof",
    "InvalidShare",
    "TallyError",
]


class TallyError(Exception):
    """Base class of every error raised by the pure core."""


class InvalidEncoding(TallyError):
    """Untrusted bytes or JSON that do not decode to a valid value (point, scalar, object)."""


class InvalidManifest(InvalidEncoding):
    """A manifest that is malformed or whose parts contradict each other."""


class InvalidProof(TallyError):
    """A zero-knowledge proof that does not verify against its statement."""


class InvalidBallot(TallyError):
    """An encrypted ballot that fails verification or a Benaloh audit.

    ``selection`` is the index of the failing encrypted selection, ``constraint`` the index
    of the failing manifest constraint; both are ``None`` for ballot-level failures (wrong
    election hash, wrong number of parts).
    """

    def __init__(
        self, reason: str, *, selection: int | None = None, constraint: int | None = None
    ) -> None:
        self.reason = reason
        self.selection = selection
        self.constraint = constraint
        where = ""
        if selection is not None:
            where = f"selection {selection}: "
        elif constraint is not None:
            where = f"constraint {constraint}: "
        super().__init__(f"{where}{reason}")


class InvalidChoices(TallyError):
    """Choices an honest encryptor refuses to encrypt (outside the manifest's limits)."""


class InvalidShare(TallyError):
    """A scrutineer's commitment message, key share or decryption share that fails.

    ``scrutineer`` is the 1-based index of the scrutineer the failure is attributable to.
    """

    def __init__(self, scrutineer: int, reason: str) -> None:
        self.scrutineer = scrutineer
        self.reason = reason
        super().__init__(f"scrutineer {scrutineer}: {reason}")


class InvalidCeremony(TallyError):
    """A key-ceremony result whose parts do not fit together (keys, hash, parameters)."""


class DecryptionError(TallyError):
    """A tally that cannot be decrypted: too few valid shares, or a count out of range."""

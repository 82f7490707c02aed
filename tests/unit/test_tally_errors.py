"""tally.errors: one tree, attributes carried by the specific errors."""

from __future__ import annotations

import pytest

from tally import errors


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_is_a_tally_error(name: str) -> None:
    assert issubclass(getattr(errors, name), errors.TallyError)


def test_invalid_ballot_attributes() -> None:
    exc = errors.InvalidBallot("bad proof", selection=3)
    assert (exc.selection, exc.constraint, exc.reason) == (3, None, "bad proof")
    assert "selection 3" in str(exc)
    exc = errors.InvalidBallot("too many", constraint=0)
    assert "constraint 0" in str(exc)


def test_invalid_share_names_scrutineer() -> None:
    exc = errors.InvalidShare(2, "bad proof")
    assert exc.scrutineer == 2
    assert "scrutineer 2" in str(exc)

"""The audit log records operations and refuses ballot content."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from voting import audit
from voting.db import session_scope
from voting.models import AuditEntry


def test_record_lands_with_the_transaction(db_engine: Engine) -> None:
    with session_scope(db_engine) as db:
        audit.record(db, "秘书处-王", "vote.opened", "vote:projects-2019", {"cards_issued": 214})
    with session_scope(db_engine) as db:
        entry = db.exec(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.subject) == ("秘书处-王", "vote.opened",
                                                          "vote:projects-2019")
    assert entry.detail == {"cards_issued": 214}


@pytest.mark.parametrize(
    "detail",
    [{"ballot": [1, 0]}, {"Choice": "yes"}, {"x": {"selections": [0, 1]}},
     {"cards": [{"card_secret": "..."}]}],
)
def test_ballot_content_is_refused(detail: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must not carry"):
        audit.record(None, "a", "b", "c", detail)  # type: ignore[arg-type]

"""One-time ballot cards: make them, hand them out, void the rest, count them.

The database keeps only ``card_hash`` (voting/card_codes.py); the secret exists on paper.
Counts are public; which card went to which deputy is recorded nowhere.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from tally.vote_spec import CardCounts
from voting import audit, live
from voting.box_models import BallotCard, CardState
from voting.card_codes import CARD_SECRET_BYTES, card_hash, decode_card_input, new_card_secret
from voting.errors import CardRejected
from voting.lifecycle import VoteState, require_state
from voting.models import Vote

__all__ = [
    "card_counts",
    "card_secret",
    "issue_card",
    "make_cards",
    "rewrite_card_rows",
    "void_unissued",
]


def make_cards(
    db: Session, vote: Vote, count: int, rng: Callable[[int], bytes], actor: str
) -> list[bytes]:
    """Create ``count`` cards for ``vote``; return their secrets for printing, once."""
    require_state(vote, VoteState.DRAFT, VoteState.KEYS_READY, VoteState.OPEN)
    assert vote.id is not None
    secrets = [new_card_secret(rng) for _ in range(count)]
    db.add_all(BallotCard(vote_id=vote.id, card_hash=card_hash(vote.slug, s).hex())
               for s in secrets)
    audit.record(db, actor, "cards.printed", f"vote:{vote.id}", {"count": count})
    return secrets


def issue_card(db: Session, vote: Vote, card_input: str | bytes, actor: str) -> None:
    """Activate one card as the check-in desk hands it out (scanned, or its secret given).

    A card that is not a printed card of this vote gets the one card refusal.
    """
    require_state(vote, VoteState.KEYS_READY, VoteState.OPEN)
    secret = card_secret(vote.slug, card_input)
    result = db.execute(
        update(BallotCard)
        .where(col(BallotCard.vote_id) == vote.id)
        .where(col(BallotCard.card_hash) == card_hash(vote.slug, secret).hex())
        .where(col(BallotCard.state) == CardState.PRINTED)
        .values(state=CardState.ISSUED)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise CardRejected()
    audit.record(db, actor, "cards.issued", f"vote:{vote.id}", {"count": 1})
    live.changed(db, vote.session_id, vote.slug, "cards")


def void_unissued(db: Session, vote: Vote) -> int:
    """At close: every card never handed out becomes void. Returns how many."""
    result = db.execute(
        update(BallotCard)
        .where(col(BallotCard.vote_id) == vote.id)
        .where(col(BallotCard.state) == CardState.PRINTED)
        .values(state=CardState.VOID)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def rewrite_card_rows(db: Session, vote: Vote) -> None:
    """After close: rewrite every handed-out card row of the vote, so that (after vacuum) no
    card row still carries the transaction id of the cast that spent it — on PostgreSQL that
    id (``xmin``) would otherwise link a card to its board entry. Run in a transaction of its
    own after the close commits: inside the close it could deadlock with a cast that has
    spent its card and waits for the board head."""
    db.execute(
        update(BallotCard)
        .where(col(BallotCard.vote_id) == vote.id)
        .where(col(BallotCard.state) != CardState.VOID)
        .values(state=BallotCard.state)
    )


def card_counts(db: Session, vote: Vote) -> CardCounts:
    """Public counts: printed (all made), issued (handed out), spent, void."""
    rows = db.exec(
        select(BallotCard.state, func.count())
        .where(BallotCard.vote_id == vote.id)
        .group_by(BallotCard.state)
    ).all()
    by_state = {state: int(n) for state, n in rows}
    spent = by_state.get(CardState.SPENT, 0)
    issued = by_state.get(CardState.ISSUED, 0) + spent
    void = by_state.get(CardState.VOID, 0)
    return CardCounts(printed=issued + void + by_state.get(CardState.PRINTED, 0),
                      issued=issued, spent=spent, void=void)


def card_secret(slug: str, card_input: str | bytes) -> bytes:
    """The secret of a scanned or typed card of vote ``slug``; anything else is refused alike."""
    if isinstance(card_input, bytes):
        if len(card_input) != CARD_SECRET_BYTES:  # else card_hash raises a different error
            raise CardRejected()
        return card_input
    try:
        vote_slug, secret = decode_card_input(card_input)
    except ValueError:
        raise CardRejected() from None
    if vote_slug is not None and vote_slug != slug:
        raise CardRejected()
    return secret

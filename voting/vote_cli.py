"""``voting cards print`` and ``voting record export``: a vote's paper and its record."""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from voting import repository
from voting.card_codes import CardCode
from voting.cards import make_cards
from voting.cli import load_settings, resolve_session
from voting.db import make_engine, session_scope
from voting.record_export import export_record

if TYPE_CHECKING:
    from voting.cli import Subparsers

__all__ = ["add_parser"]


def _cmd_cards_print(args: argparse.Namespace) -> int:
    from voting.card_print import render_cards_pdf

    engine = make_engine(load_settings().database_url)
    try:
        with session_scope(engine) as db:
            congress = resolve_session(db, args.session)
            assert congress.id is not None
            vote = repository.get_vote(db, congress.id, args.vote)
            made = make_cards(db, vote, args.count, secrets.token_bytes, args.actor)
            pdf = render_cards_pdf(vote.title, vote.slug, [CardCode(s) for s in made],
                                   congress.title)
            # Written inside the transaction: if the file cannot be written, no card exists.
            args.out.write_bytes(pdf)
    finally:
        engine.dispose()
    print(f"{args.count} ballot cards for {args.vote} written to {args.out}")
    return 0


def _cmd_record_export(args: argparse.Namespace) -> int:
    engine = make_engine(load_settings().database_url)
    try:
        with session_scope(engine) as db:
            congress = resolve_session(db, args.session)
            assert congress.id is not None
            vote = repository.get_vote(db, congress.id, args.vote)
            export_record(db, vote, args.dir)
    finally:
        engine.dispose()
    print(f"election record of {args.vote} written to {args.dir}; check it with: "
          f"tally verify {args.dir}")
    return 0


def add_parser(subparsers: Subparsers) -> None:
    cards = subparsers.add_parser("cards", help="ballot cards").add_subparsers(
        dest="cards_command", required=True, metavar="ACTION")
    p = cards.add_parser("print", help="make N one-time ballot cards as a printable A4 PDF")
    p.add_argument("session", help="session id or code")
    p.add_argument("vote", help="vote id, e.g. projects-2019")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", type=Path, required=True, help="PDF file to write")
    p.add_argument("--actor", default="cli", help="operator name for the audit log")
    p.set_defaults(func=_cmd_cards_print)

    record = subparsers.add_parser("record", help="election records").add_subparsers(
        dest="record_command", required=True, metavar="ACTION")
    p = record.add_parser("export", help="write a certified vote's election record")
    p.add_argument("session", help="session id or code")
    p.add_argument("vote", help="vote id")
    p.add_argument("dir", type=Path)
    p.set_defaults(func=_cmd_record_export)

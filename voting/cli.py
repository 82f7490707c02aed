"""The ``voting`` command.

Subcommands come from modules: each module named in :data:`COMMAND_MODULES` exposes
``add_parser(subparsers)``, which adds its subparser(s) and sets ``func`` to a handler
``(args: argparse.Namespace) -> int`` (the exit status). To add commands, write such a
module and add its name to the list; nothing else here changes.

Exit status: 0 done, 1 refused (a domain error, printed with its code), 2 bad usage or
configuration (e.g. production mode without a secret key).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from voting import audit, importer, repository
from voting.db import make_engine, migrate, session_scope
from voting.errors import DomainError, ImportRejected, NotFound
from voting.i18n import DEFAULT_LANG, normalize_lang
from voting.models import CongressSession, Level, SessionCreate
from voting.settings import Settings, get_settings

__all__ = [
    "COMMAND_MODULES",
    "Subparsers",
    "build_parser",
    "cli_lang",
    "load_settings",
    "main",
    "resolve_session",
]

#: Modules adding subcommands (each has ``add_parser(subparsers)``). Keep it short.
COMMAND_MODULES: tuple[str, ...] = (
    "voting.account_cli",
    "voting.demo",
    "voting.simulate",
    "voting.vote_cli",
)

# The object add_parser() receives.
if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = argparse._SubParsersAction


class ConfigError(Exception):
    """Settings could not be loaded; the message says why (exit status 2)."""


def cli_lang() -> str:
    """zh-CN unless the terminal's locale is English."""
    for name in ("VOTING_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        chosen = normalize_lang(os.environ.get(name))
        if chosen:
            return chosen
    return DEFAULT_LANG


def load_settings() -> Settings:
    """The settings from the environment, or ConfigError with a one-line reason."""
    try:
        return get_settings()
    except ValidationError as exc:
        reasons = "; ".join(str(err.get("msg", "")).removeprefix("Value error, ")
                            for err in exc.errors())
        raise ConfigError(reasons) from None


def resolve_session(db: Session, ref: str) -> CongressSession:
    """A session by numeric id or by code ("zixing-2019")."""
    if ref.isdigit():
        return repository.get_session(db, int(ref))
    found = repository.find_session_by_code(db, ref)
    if found is None:
        raise NotFound("session", ref)
    return found


def _engine() -> Engine:
    return make_engine(load_settings().database_url)


# --- core subcommands ----------------------------------------------------------------------


def _cmd_migrate(args: argparse.Namespace) -> int:
    engine = _engine()
    try:
        migrate(engine)
    finally:
        engine.dispose()
    print("database schema is up to date")
    return 0


def _cmd_create_session(args: argparse.Namespace) -> int:
    data = SessionCreate(title=args.title, level=args.level, deputies_total=args.deputies_total,
                         quorum=args.quorum, code=args.code)
    engine = _engine()
    try:
        with session_scope(engine) as db:
            row = repository.create_session(db, data)
            audit.record(db, args.actor, "session.created", f"session:{row.id}",
                         {"title": row.title})
            print(f"session {row.id} created")
    finally:
        engine.dispose()
    return 0


def _read(path: Path) -> tuple[bytes, importer.FileFormat]:
    fmt = importer.format_of(path)
    try:
        return path.read_bytes(), fmt
    except OSError as exc:
        raise SystemExit(f"error: cannot read {path}: {exc.strerror}") from None


def _cmd_import_roster(args: argparse.Namespace) -> int:
    data, fmt = _read(args.file)
    engine = _engine()
    try:
        with session_scope(engine) as db:
            congress = resolve_session(db, args.session)
            assert congress.id is not None
            summary = importer.import_roster(db, congress.id, data, fmt, actor=args.actor)
    finally:
        engine.dispose()
    print(f"imported {summary.rows} deputies into session {summary.session_id}")
    return 0


def _cmd_import_candidates(args: argparse.Namespace) -> int:
    data, fmt = _read(args.file)
    title = args.title or (args.file.stem if fmt == "csv" else None)
    engine = _engine()
    try:
        with session_scope(engine) as db:
            congress = resolve_session(db, args.session)
            assert congress.id is not None
            summary = importer.import_candidates(db, congress.id, data, fmt, actor=args.actor,
                                                 title=title)
    finally:
        engine.dispose()
    print(f"imported {summary.rows} candidates as list {summary.list_id} "
          f"into session {summary.session_id}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from voting.server import run_server

    settings = load_settings()
    if not args.no_migrate:
        engine = make_engine(settings.database_url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
    run_server(settings, host=args.host or settings.host, port=args.port or settings.port,
               workers=args.workers)
    return 0


def _add_core(subparsers: Subparsers) -> None:
    p = subparsers.add_parser("migrate", help="bring the database schema up to date")
    p.set_defaults(func=_cmd_migrate)

    p = subparsers.add_parser("create-session", help="create a congress session")
    p.add_argument("--title", required=True)
    p.add_argument("--level", required=True, choices=[level.value for level in Level])
    p.add_argument("--deputies-total", type=int, required=True)
    p.add_argument("--quorum", type=int, help="default: a majority of all deputies")
    p.add_argument("--code", help="a short stable handle, e.g. zixing-2019")
    p.add_argument("--actor", default="cli", help="operator name for the audit log")
    p.set_defaults(func=_cmd_create_session)

    p = subparsers.add_parser("import-roster", help="import deputies from CSV or JSON",
                              description=importer.__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("session", help="session id or code")
    p.add_argument("file", type=Path)
    p.add_argument("--actor", default="cli", help="operator name for the audit log")
    p.set_defaults(func=_cmd_import_roster)

    p = subparsers.add_parser("import-candidates", help="import a candidate list (CSV/JSON)",
                              description=importer.__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("session", help="session id or code")
    p.add_argument("file", type=Path)
    p.add_argument("--title", help="list title (default: JSON title, or the CSV file name)")
    p.add_argument("--actor", default="cli", help="operator name for the audit log")
    p.set_defaults(func=_cmd_import_candidates)

    p = subparsers.add_parser("serve", help="run the web service")
    p.add_argument("--host", help="default: VOTING_HOST or 127.0.0.1")
    p.add_argument("--port", type=int, help="default: VOTING_PORT or 8000")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--no-migrate", action="store_true", help="do not migrate before serving")
    p.set_defaults(func=_cmd_serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voting", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_core(subparsers)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def _report(exc: DomainError, lang: str) -> None:
    print(f"error [{exc.code}]: {exc.message(lang)}", file=sys.stderr)
    if isinstance(exc, ImportRejected):
        for row in exc.rows:
            reason = row["reason_en"] if lang == "en" else row["reason_zh"]
            where = f"line {row['line']}" if row["line"] else "file"
            field = f" {row['field']}" if row["field"] else ""
            print(f"  {where}{field}: {reason}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"error: invalid arguments: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        _report(exc, cli_lang())
        return 1

"""``voting create-operator NAME``: a staff account for the console.

The password is asked for twice on the terminal, or read from the environment variable
named by ``--password-env`` (for scripts and tests; never put a password on a command
line, where other users can see it in the process list).
"""

from __future__ import annotations

import argparse
import getpass
import os
from typing import TYPE_CHECKING

from voting import accounts
from voting.cli import load_settings
from voting.db import make_engine, migrate, session_scope
from voting.errors import InvalidInput

if TYPE_CHECKING:
    from voting.cli import Subparsers

__all__ = ["add_parser"]


def _password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise InvalidInput(reason=f"environment variable {args.password_env} is empty")
        return value
    first = getpass.getpass("password: ")
    if getpass.getpass("password again: ") != first:
        raise InvalidInput(reason="the passwords differ")
    return first


def _cmd_create_operator(args: argparse.Namespace) -> int:
    password = _password(args)
    engine = make_engine(load_settings().database_url)
    try:
        migrate(engine)
        with session_scope(engine) as db:
            row = accounts.create_account(db, args.name, password,
                                          accounts.AccountRole(args.role), args.actor,
                                          replace=args.reset)
            print(f"{row.role} account {row.name!r} saved")
    finally:
        engine.dispose()
    return 0


def add_parser(subparsers: Subparsers) -> None:
    p = subparsers.add_parser("create-operator", help="create a console login",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name")
    p.add_argument("--role", choices=[r.value for r in accounts.AccountRole],
                   default=accounts.AccountRole.OPERATOR.value)
    p.add_argument("--password-env", metavar="VAR",
                   help="read the password from this environment variable")
    p.add_argument("--reset", action="store_true",
                   help="set a new password (and role) for an existing account")
    p.add_argument("--actor", default="cli", help="operator name for the audit log")
    p.set_defaults(func=_cmd_create_operator)

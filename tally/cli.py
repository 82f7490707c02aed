"""``tally``: the offline verifier's command line.

    tally verify DIR     recheck one vote's election record (docs/record.md)
    tally audit FILE     check a Benaloh-audited ballot (the kiosk's "检查加密")
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tally.record import RecordError

__all__ = ["main"]


def _progress_printer(enabled: bool):  # type: ignore[no-untyped-def]
    def show(done: int, total: int) -> None:
        if enabled:
            end = "\n" if done == total else ""
            print(f"\rverifying ballots {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _verify(args: argparse.Namespace) -> int:
    from tally.verify import verify_record

    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"FAIL files: {directory} is not a directory", file=sys.stderr)
        return 2
    files = {
        p.name: p.read_bytes()
        for p in directory.iterdir()
        if p.is_file() and not p.name.startswith(".")
    }
    try:
        verified = verify_record(files, _progress_printer(sys.stderr.isatty()), args.workers)
    except RecordError as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    print(verified.summary())
    return 0


def _audit(args: argparse.Namespace) -> int:
    from tally.audit import AuditError, check_audit

    try:
        document = json.loads(Path(args.file).read_text(encoding="utf-8"))
        choices = check_audit(document)
    except (OSError, ValueError, AuditError) as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    print(f"OK the audited ballot encrypts exactly: {choices}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tally", description="Offline election verifier")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="verify one vote's election record")
    verify.add_argument("dir")
    verify.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    verify.set_defaults(run=_verify)
    audit = sub.add_parser("audit", help="check a Benaloh-audited ballot file")
    audit.add_argument("file")
    audit.set_defaults(run=_audit)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())

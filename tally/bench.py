"""Benchmark of the ballot cryptography: ``python -m tally.bench`` (also ``make bench``).

Measures, on one 13-option "choose at most 10" ballot: encryption and verification time;
on a box of 3,000 such ballots: aggregation plus 3-of-5 threshold decryption, and
verification of the whole record (parse + verify every ballot on a process pool of
``os.cpu_count()`` workers, plus the aggregate). Prints a table, then one JSON line last.

This is a tool, not part of the pure core: it reads the clock and uses processes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing import Pool
from typing import Any

from tally.ballot import EncryptedBallot, MarkedBallot, encrypt_ballot, verify_ballot
from tally.decryption import (
    aggregate,
    combine_decryption,
    make_decryption_share,
    sum_aggregates,
)
from tally.election import ElectionContext, make_context
from tally.elgamal import Ciphertext
from tally.group import Scalar
from tally.key_ceremony import (
    CeremonyParams,
    CeremonyResult,
    combine_received_shares,
    finish_ceremony,
    own_share,
    shares_for_others,
    start_ceremony,
)
from tally.manifest import selection_manifest
from tally.rng import seeded_rng

__all__ = ["main", "run"]

OPTIONS = 13
SELECT_MAX = 10
SCRUTINEERS = 5
THRESHOLD = 3

_worker_ctx: ElectionContext | None = None


def _ceremony() -> tuple[CeremonyResult, dict[int, Scalar]]:
    params = CeremonyParams("bench", SCRUTINEERS, THRESHOLD)
    rng = seeded_rng(b"tally.bench/ceremony")
    started = {i: start_ceremony(params, i, rng) for i in range(1, SCRUTINEERS + 1)}
    inbox = {i: [own_share(params, poly)] for i, (poly, _) in started.items()}
    for poly, _ in started.values():
        for share in shares_for_others(params, poly):
            inbox[share.recipient].append(share)
    secrets = {i: combine_received_shares(params, i, inbox[i]) for i in inbox}
    return finish_ceremony(params, [m for _, m in started.values()]), secrets


def _choices(index: int) -> MarkedBallot:
    """A deterministic ballot within the limits: between 0 and 10 of the 13 options."""
    rng = seeded_rng(b"tally.bench/choices/" + str(index).encode())
    order = sorted(range(OPTIONS), key=lambda i: rng(4))
    marks = set(order[: rng(1)[0] % (SELECT_MAX + 1)])
    return MarkedBallot(tuple(int(i in marks) for i in range(OPTIONS)))


def _init_worker(ctx: ElectionContext) -> None:
    global _worker_ctx
    _worker_ctx = ctx


def _encrypt_chunk(indices: Sequence[int]) -> list[str]:
    assert _worker_ctx is not None
    out = []
    for i in indices:
        rng = seeded_rng(b"tally.bench/ballot/" + str(i).encode())
        ballot, _ = encrypt_ballot(_worker_ctx, _choices(i), rng)
        out.append(json.dumps(ballot.to_json()))
    return out


def _verify_chunk(texts: Sequence[str]) -> tuple[list[dict[str, str]], float]:
    """Parse and verify ballots; return the chunk's partial aggregate as JSON and the CPU
    seconds it took."""
    assert _worker_ctx is not None
    cpu = time.process_time()
    ballots = [EncryptedBallot.from_json(json.loads(text)) for text in texts]
    for ballot in ballots:
        verify_ballot(_worker_ctx, ballot)
    partial = [c.to_json() for c in aggregate(ballots, _worker_ctx.manifest.selection_count)]
    return partial, time.process_time() - cpu


def _chunks(items: Sequence[Any], parts: int) -> list[Sequence[Any]]:
    size = max(1, -(-len(items) // parts))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _median_ms(fn: Callable[[], object], samples: int) -> tuple[float, float]:
    """Median wall-clock and median CPU milliseconds of ``fn`` (CPU time is what other
    processes on a shared machine cannot inflate)."""
    wall, cpu = [], []
    for _ in range(samples):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def run(ballots: int = 3000, samples: int = 40, workers: int | None = None) -> dict[str, Any]:
    """Run every measurement and return the figures."""
    workers = workers or os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    ceremony, secrets = _ceremony()
    manifest = selection_manifest(
        "bench", "13选10", [f"option {i + 1}" for i in range(OPTIONS)], 0, SELECT_MAX
    )
    ctx = make_context(manifest, ceremony)
    rng = seeded_rng(b"tally.bench/single")
    marked = MarkedBallot((1,) * SELECT_MAX + (0,) * (OPTIONS - SELECT_MAX))
    one, _ = encrypt_ballot(ctx, marked, rng)
    text = json.dumps(one.to_json())

    figures: dict[str, Any] = {"ballot_json_bytes": len(text)}
    singles: dict[str, Callable[[], object]] = {
        "encrypt": lambda: encrypt_ballot(ctx, marked, rng),
        "verify": lambda: verify_ballot(ctx, one),
        "parse_verify": lambda: verify_ballot(ctx, EncryptedBallot.from_json(json.loads(text))),
    }
    for name, fn in singles.items():
        figures[f"{name}_ms"], figures[f"{name}_cpu_ms"] = _median_ms(fn, samples)

    with Pool(workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        start = time.perf_counter()
        texts = [
            t
            for part in pool.map(_encrypt_chunk, _chunks(range(ballots), workers * 4))
            for t in part
        ]
        figures["generate_box_s"] = time.perf_counter() - start
    box = [EncryptedBallot.from_json(json.loads(t)) for t in texts]

    # Tally: aggregation, three scrutineers' shares with proofs, verified combination.
    start = time.perf_counter()
    agg = aggregate(box, manifest.selection_count)
    figures["aggregate_3000_s"] = time.perf_counter() - start
    share_rng = seeded_rng(b"tally.bench/shares")
    shares = [
        make_decryption_share(ctx, ceremony, i, secrets[i], agg, share_rng) for i in (1, 3, 5)
    ]
    counts = combine_decryption(ctx, ceremony, agg, shares, ballots)
    figures["tally_3000_s"] = time.perf_counter() - start
    expected = [sum(_choices(i).choices[j] for i in range(ballots)) for j in range(OPTIONS)]
    if list(counts) != expected:
        raise AssertionError("benchmark tally does not match the plaintext sum")

    # Whole record: parse + verify every ballot on all cores, plus the aggregate.
    start = time.perf_counter()
    with Pool(workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        parts = pool.map(_verify_chunk, _chunks(texts, workers * 8))
    partials = [[Ciphertext.from_json(c, allow_identity=True) for c in part] for part, _ in parts]
    record_agg = sum_aggregates(partials, manifest.selection_count)
    figures["verify_record_3000_s"] = time.perf_counter() - start
    figures["verify_record_cpu_s"] = sum(cpu for _, cpu in parts)
    if record_agg != agg:
        raise AssertionError("record aggregate differs from the tally aggregate")

    figures.update(
        {
            "ballots": ballots,
            "workers": workers,
            "cpu_count": os.cpu_count(),
            "load_avg_1m_before": round(load_before, 2),
            "python": platform.python_version(),
            "machine": platform.machine(),
        }
    )
    return figures


def _cpu(f: dict[str, Any], name: str) -> str:
    return f"median; CPU {f[name + '_cpu_ms']:.2f} ms"


def _table(f: dict[str, Any]) -> str:
    rows = [
        ("encrypt one 13选10 ballot", f"{f['encrypt_ms']:.2f} ms", _cpu(f, "encrypt")),
        (
            "verify one ballot (parsed)",
            f"{f['verify_ms']:.2f} ms",
            _cpu(f, "verify") + ", target <= 10 ms",
        ),
        (
            "parse JSON + verify one ballot",
            f"{f['parse_verify_ms']:.2f} ms",
            _cpu(f, "parse_verify"),
        ),
        ("ballot JSON size", f"{f['ballot_json_bytes']} B", ""),
        (f"generate {f['ballots']} ballots", f"{f['generate_box_s']:.2f} s", "setup, all cores"),
        (f"aggregate {f['ballots']} ballots", f"{f['aggregate_3000_s']:.2f} s", "one core"),
        ("aggregate + 3-of-5 decryption", f"{f['tally_3000_s']:.2f} s", "one core"),
        (
            f"verify record of {f['ballots']}",
            f"{f['verify_record_3000_s']:.2f} s",
            f"{f['workers']} workers, target <= 30 s",
        ),
        ("  of which CPU time in workers", f"{f['verify_record_cpu_s']:.2f} s", "all workers"),
        ("load average before the run", f"{f['load_avg_1m_before']:.2f}", "other processes"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{name:<{width}}  {value:>10}  {note}" for name, value, note in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(prog="python -m tally.bench", description=__doc__)
    parser.add_argument("--ballots", type=int, default=3000, help="ballots in the box")
    parser.add_argument("--samples", type=int, default=40, help="samples per single-ballot figure")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    args = parser.parse_args(argv)
    figures = run(args.ballots, args.samples, args.workers)
    print(_table(figures))
    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps(rounded, sort_keys=True))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

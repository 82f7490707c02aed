"""``keys``: the scrutineer's own device (监票人设备) — keys, key ceremony, decryption share,
signature. The secret share is made here, kept here (sealed under the scrutineer's
passphrase) and never sent anywhere.

    keys init FILE --name 姓名            make the signing and transport keys; print the public
                                         keys to hand to the secretariat
    keys show FILE                       the public keys and fingerprints again
    keys ceremony FILE --server URL --session ID [--wait SECONDS]
                                         take part in the key ceremony (resumable)
    keys decrypt FILE --server URL --session ID --vote VOTE
                                         give the decryption share of a closed vote
    keys sign FILE --server URL --session ID --vote VOTE [--yes]
                                         show the counted result and sign it

The passphrase is asked for on the terminal (or read from the environment variable named
by ``--passphrase-env``, for scripts). ``--demo`` allows unencrypted demo files only.
Messages are in Chinese unless LANG/LC_ALL says English.

Exit status: 0 done, 1 refused (the reason is printed), 2 bad usage, 3 still waiting for
other scrutineers when ``--wait`` ran out (run the same command again to carry on).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from keys.client import ScrutineerClient, ServerError, Transport, urllib_transport
from keys.device_file import (
    DeviceFile,
    load_device,
    read_public_device,
    save_device,
)
from keys.device_flows import (
    CeremonyProgress,
    FlowError,
    ceremony_step,
    decryption_step,
    fetch_payload,
    sign_step,
)
from keys.scrutineer import DeviceKeys
from keys.storage import KeyStoreError, ScryptParams
from tally.certificate import fingerprint

__all__ = ["Environment", "main", "result_summary"]

Rng = Callable[[int], bytes]

_TEXT: dict[str, tuple[str, str]] = {
    "created": ("已生成监票人设备文件：{path}", "Scrutineer device file written: {path}"),
    "sealed": ("（已用口令加密保存）", "(sealed under your passphrase)"),
    "demo_file": ("（演示文件，未加密）", "(demo file, not encrypted)"),
    "signing_fp": ("签名公钥指纹：{fp}", "Signing key fingerprint:   {fp}"),
    "transport_fp": ("传输公钥指纹：{fp}", "Transport key fingerprint: {fp}"),
    "hand_over": ("请将下面一行交给秘书处登记（并当面核对指纹）：",
                  "Hand this line to the secretariat (and compare the fingerprints in person):"),
    "passphrase": ("设备口令：", "Device passphrase: "),
    "passphrase_again": ("再次输入口令：", "Passphrase again: "),
    "passphrase_mismatch": ("两次输入的口令不一致", "The passphrases differ"),
    "passphrase_short": ("口令至少 10 个字符", "The passphrase needs at least 10 characters"),
    "waiting_commitments": ("等待其他监票人提交承诺：{missing}",
                            "Waiting for commitments of scrutineers {missing}"),
    "waiting_shares": ("等待其他监票人发来份额：{missing}",
                       "Waiting for shares from scrutineers {missing}"),
    "ceremony_done": ("密钥仪式完成。本人为第 {index} 号监票人；联合公钥指纹：{fp}",
                      "Key ceremony done. You are scrutineer {index}; joint key fingerprint: {fp}"),
    "ceremony_hash": ("仪式哈希：{hash}", "Ceremony hash: {hash}"),
    "still_waiting": ("仍在等待；稍后再次运行同一命令即可继续。",
                      "Still waiting; run the same command again later to carry on."),
    "share_given": ("已提交《{title}》的解密份额（发出选票卡 {issued} 张，投出 {spent} 张）。",
                    "Decryption share given for '{title}' ({issued} cards issued, {spent} cast)."),
    "share_already": ("《{title}》的解密份额此前已提交。",
                      "The decryption share for '{title}' was given before."),
    "board_head": ("已核对：待解密的计票密文是全部选票之和。选票链头：{head}（请与会场公布的核对）",
                   "Checked: the tally is the sum of the whole board. Board head: {head} "
                   "(compare it with the one shown in the hall)"),
    "counted": ("已达到门限，计票完成；请签署结果：keys sign …",
                "Threshold reached, the vote is counted; now sign it: keys sign …"),
    "not_counted": ("尚需其他监票人的解密份额。", "More scrutineers' shares are needed."),
    "confirm": ("确认签署以上结果？输入 yes 确认：", "Sign this result? Type yes to confirm: "),
    "not_signed": ("未签署。", "Not signed."),
    "signed": ("已签署并提交。", "Signed and handed over."),
    "refused": ("拒绝：{reason}", "Refused: {reason}"),
    "server_refused": ("服务器拒绝（{code}）：{message}", "The server refused ({code}): {message}"),
}


def _lang() -> str:
    for name in ("KEYS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


@dataclass
class Environment:
    """What the command reaches outside itself: passed in, so tests can replace each."""

    rng: Rng
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    transport: Transport
    out: TextIO
    ask: Callable[[str], str]
    ask_secret: Callable[[str], str]
    lang: str = "zh"
    scrypt: ScryptParams | None = None

    def say(self, key: str, **kw: Any) -> None:
        zh, en = _TEXT[key]
        print((en if self.lang == "en" else zh).format(**kw), file=self.out)


def _passphrase(args: argparse.Namespace, env: Environment, *, new: bool) -> str:
    if args.demo:
        return ""
    if args.passphrase_env:
        return os.environ.get(args.passphrase_env, "")
    first = env.ask_secret(_TEXT["passphrase"][env.lang == "en"])
    if new:
        if len(first) < 10:
            raise FlowError(_TEXT["passphrase_short"][env.lang == "en"])
        if env.ask_secret(_TEXT["passphrase_again"][env.lang == "en"]) != first:
            raise FlowError(_TEXT["passphrase_mismatch"][env.lang == "en"])
    return first


def _show_public(path: Path, env: Environment) -> None:
    public = read_public_device(path)
    env.say("signing_fp", fp=fingerprint(public.signing_key))
    env.say("transport_fp", fp=fingerprint(public.transport_key))
    env.say("hand_over")
    print(json.dumps(public.to_json(), ensure_ascii=False), file=env.out)


def _cmd_init(args: argparse.Namespace, env: Environment) -> int:
    passphrase = _passphrase(args, env, new=True)
    device = DeviceFile(args.name.strip(), DeviceKeys.generate(env.rng))
    save_device(args.file, device, passphrase, rng=env.rng, allow_demo=args.demo,
                params=env.scrypt, overwrite=args.force)
    env.say("created", path=args.file)
    env.say("demo_file" if args.demo else "sealed")
    _show_public(args.file, env)
    return 0


def _cmd_show(args: argparse.Namespace, env: Environment) -> int:
    _show_public(args.file, env)
    return 0


class _Opened:
    """The device file, opened once with the passphrase, saved after every change."""

    def __init__(self, args: argparse.Namespace, env: Environment) -> None:
        self.args, self.env = args, env
        self.passphrase = _passphrase(args, env, new=False)
        self.device = load_device(args.file, self.passphrase, allow_demo=args.demo)

    def save(self, device: DeviceFile) -> None:
        save_device(self.args.file, device, self.passphrase, rng=self.env.rng,
                    allow_demo=self.args.demo, params=self.env.scrypt, overwrite=True)
        self.device = device

    def client(self) -> ScrutineerClient:
        return ScrutineerClient(self.args.server, self.args.session, self.device.keys.signing_key,
                                self.env.clock, self.env.transport)


def _report(progress: CeremonyProgress, env: Environment) -> None:
    if progress.done:
        assert progress.public_key is not None
        env.say("ceremony_done", index=progress.index,
                fp=fingerprint(bytes.fromhex(progress.public_key)))
        env.say("ceremony_hash", hash=progress.ceremony_hash)
    else:
        env.say(f"waiting_{progress.waiting_for}",
                missing=", ".join(str(i) for i in progress.missing))


def _cmd_ceremony(args: argparse.Namespace, env: Environment) -> int:
    opened = _Opened(args, env)
    client = opened.client()
    deadline = env.clock() + args.wait
    last: tuple[str, tuple[int, ...]] | None = None
    while True:
        device, progress = ceremony_step(opened.device, client, env.rng, opened.save)
        opened.device = device
        if progress.done:
            _report(progress, env)
            return 0
        if last != (progress.step, progress.missing):
            _report(progress, env)
            last = (progress.step, progress.missing)
        if env.clock() >= deadline:
            env.say("still_waiting")
            return 3
        env.sleep(min(args.poll, max(0.0, deadline - env.clock())))


def _cmd_decrypt(args: argparse.Namespace, env: Environment) -> int:
    opened = _Opened(args, env)
    outcome = decryption_step(opened.device, opened.client(), args.vote, env.rng,
                              verify_ballots=args.verify_ballots)
    env.say("board_head", head=outcome.board_head)
    if outcome.already_given:
        env.say("share_already", title=outcome.title)
    else:
        env.say("share_given", title=outcome.title, issued=outcome.cards.get("issued"),
                spent=outcome.cards.get("spent"))
    env.say("counted" if outcome.counted else "not_counted")
    return 0


def result_summary(payload: dict[str, Any], vote_spec: dict[str, Any],
                   lang: str = "zh") -> list[str]:
    """Lines that show a certificate payload's result to the person about to sign it;
    ``vote_spec`` (the election's "vote") names the options or items."""
    vote, result, cards = payload["vote"], payload["result"], payload["cards"]
    en = lang == "en"
    lines = [f"{vote['title']}  ({vote['id']}, {vote['kind']})",
             (f"cards issued {cards['issued']}, ballots cast {cards['spent']}, void "
              f"{cards.get('void', 0)}") if en else
             (f"发出选票卡 {cards['issued']} 张，投出 {cards['spent']} 张，"
              f"作废 {cards.get('void', 0)} 张"),
             f"status: {result.get('status')}" if en else f"有效性：{result.get('status')}"]
    counts = result.get("counts")
    if vote["kind"] == "selection" and isinstance(counts, list):
        options = vote_spec.get("options") or []
        elected = set(result.get("elected") or [])
        for i, votes in enumerate(counts):
            name = options[i] if i < len(options) else f"#{i + 1}"
            mark = (" elected" if en else " 当选") if i in elected else ""
            lines.append(f"  {i + 1:>2}. {name}: {votes}{mark}")
        for key in ("tie", "shortfall"):
            if result.get(key):
                lines.append(f"  {key}: {json.dumps(result[key], ensure_ascii=False)}")
    else:
        items = vote_spec.get("items") or []
        if vote["kind"] == "rating" and isinstance(counts, list) and len(items) == len(counts):
            lines.extend(f"  {name}: {row}" for name, row in zip(items, counts, strict=True))
        else:
            lines.append(f"  {json.dumps(counts, ensure_ascii=False)}")
        for key in ("passed", "verdict", "satisfaction_rate", "threshold_votes"):
            if key in result:
                lines.append(f"  {key}: {json.dumps(result[key], ensure_ascii=False)}")
    lines.append(f"election hash {payload['election_hash']}")
    return lines


def _cmd_sign(args: argparse.Namespace, env: Environment) -> int:
    opened = _Opened(args, env)
    client = opened.client()
    payload, vote_spec = fetch_payload(opened.device, client, args.vote)
    for line in result_summary(payload, vote_spec, env.lang):
        print(line, file=env.out)
    if not args.yes and env.ask(_TEXT["confirm"][env.lang == "en"]).strip().lower() != "yes":
        env.say("not_signed")
        return 1
    sign_step(opened.device, client, args.vote, payload, env.rng)
    env.say("signed")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keys", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, *, server: bool) -> None:
        p.add_argument("file", type=Path, help="the device file")
        p.add_argument("--passphrase-env", metavar="VAR",
                       help="read the passphrase from this environment variable")
        p.add_argument("--demo", action="store_true", help="an unencrypted demo file")
        if server:
            p.add_argument("--server", required=True, help="e.g. https://vote.example.cn")
            p.add_argument("--session", type=int, required=True, help="session id")

    p = sub.add_parser("init", help="make the device's keys")
    common(p, server=False)
    p.add_argument("--name", required=True, help="the scrutineer's name")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("show", help="the public keys and fingerprints")
    p.add_argument("file", type=Path)
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser("ceremony", help="take part in the key ceremony")
    common(p, server=True)
    p.add_argument("--wait", type=float, default=600.0,
                   help="seconds to wait for the other scrutineers (default 600)")
    p.add_argument("--poll", type=float, default=3.0, help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_ceremony)

    for name, func, text in (("decrypt", _cmd_decrypt, "give a decryption share"),
                             ("sign", _cmd_sign, "sign the counted result")):
        p = sub.add_parser(name, help=text)
        common(p, server=True)
        p.add_argument("--vote", required=True, help="vote id, e.g. projects-2019")
        if name == "sign":
            p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        else:
            p.add_argument("--verify-ballots", action="store_true",
                           help="also check every ballot's proofs before decrypting (slower)")
        p.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = env or Environment(rng=secrets.token_bytes, clock=time.time, sleep=time.sleep,
                             transport=urllib_transport(), out=sys.stdout, ask=input,
                             ask_secret=getpass.getpass, lang=_lang())
    try:
        return int(args.func(args, env))
    except (FlowError, KeyStoreError) as exc:
        env.say("refused", reason=exc)
        return 1
    except ServerError as exc:
        env.say("server_refused", code=exc.code, message=exc.message)
        return 1
    except OSError as exc:
        env.say("refused", reason=exc)
        return 1

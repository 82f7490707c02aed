"""``voting demo``: the sample session (Zixing 2019) on a local SQLite database, served.

The session, its 13 candidate projects and its three votes come from the shared scenario
``example-zixing-2019.json`` (looked for in ``../shared/contract/`` next to the repository
or the working directory, else the copy shipped in voting/sample/). The scenario has no
roster, so one is generated: deterministic Chinese names, delegations (代表团) and seats,
a presidium and the scrutineers. Loading is idempotent: the session is found by its code
and loaded at most once, in one transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from voting import audit, repository
from voting.db import make_engine, migrate, session_scope
from voting.models import (
    CandidateCreate,
    DeputyCreate,
    Level,
    SessionCreate,
    ThresholdRule,
    VoteCreate,
    VoteKind,
)

if TYPE_CHECKING:
    from voting.cli import Subparsers

__all__ = [
    "DEMO_OPERATOR_NAME",
    "DEMO_OPERATOR_PASSWORD",
    "SAMPLE_CODE",
    "SCENARIO_NAME",
    "LoadResult",
    "add_parser",
    "candidate_details",
    "ensure_demo_operator",
    "find_scenario",
    "generate_roster",
    "load_sample",
]

SAMPLE_CODE = "zixing-2019"
#: The console login ``voting demo`` makes (and resets on every run). Demo mode only: the
#: password is public, like the demo secret key.
DEMO_OPERATOR_NAME = "demo"
DEMO_OPERATOR_PASSWORD = "renda-demo-2019"
SCENARIO_NAME = "example-zixing-2019.json"
_SHIPPED = Path(__file__).parent / "sample" / "zixing-2019.json"
_REPO_ROOT = Path(__file__).resolve().parent.parent
CANDIDATE_LIST_TITLE = "2019年度民生实事候选项目"

# Sample figures for the projects (illustrative, not official): investment, summary.
_PROJECT_DETAILS: Mapping[str, tuple[str, str]] = {
    "农村安全饮水巩固提升工程": (
        "4860万元",
        "新建和改造集中供水工程，巩固提升约3.5万农村人口的饮水安全水平。",
    ),
    "农村危房改造": (
        "1500万元",
        "完成农村C、D级危房改造600户，优先保障困难群众等重点对象。",
    ),
    "城区学校扩容建设": (
        "9200万元",
        "新建、扩建城区中小学校舍，新增学位约2400个，缓解大班额问题。",
    ),
    "乡镇卫生院标准化建设": (
        "2600万元",
        "推进乡镇卫生院业务用房和设备标准化建设，提升基层诊疗能力。",
    ),
    "城乡公交一体化": (
        "3100万元",
        "新增和更新城乡公交车辆，优化线路，实现建制村通客车。",
    ),
    "农村公路安保工程": (
        "2200万元",
        "在农村公路临水临崖等危险路段增设护栏和警示标志约300公里。",
    ),
    "城区停车场建设": (
        "3800万元",
        "新建公共停车场5处，新增停车泊位约1500个。",
    ),
    "老旧小区改造": (
        "5500万元",
        "改造老旧小区20个，完善供水、供电、道路和排污等配套设施。",
    ),
    "农贸市场提质改造": (
        "1800万元",
        "对城乡农贸市场进行提质改造，规范经营秩序，改善购物环境。",
    ),
    "城区污水管网建设": (
        "6700万元",
        "新建和改造城区雨污分流管网约25公里，提高污水收集处理率。",
    ),
    "公共厕所新建改造": (
        "900万元",
        "新建和改造城乡公共厕所60座。",
    ),
    "全民健身设施建设": (
        "1200万元",
        "建设社区健身路径、多功能运动场和健身步道。",
    ),
    "居家养老服务中心建设": (
        "1600万元",
        "建设社区居家养老服务中心10个，提供日间照料和助餐服务。",
    ),
}

# (delegation, relative size); urban delegations are larger.
_DELEGATIONS: tuple[tuple[str, int], ...] = (
    ("东江代表团", 4), ("唐洞代表团", 3), ("鲤鱼江代表团", 2), ("三都代表团", 2),
    ("蓼江代表团", 2), ("兴宁代表团", 2), ("州门司代表团", 2), ("黄草代表团", 2),
    ("汤溪代表团", 2), ("清江代表团", 2), ("白廊代表团", 2), ("市直机关代表团", 3),
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春梅海燕文斌晓东雪琴"
    "辉俊峰宇新利清飞彬鹏慧婷云松林波宁浩坤永健亮成海霖德荣湘湘楠智远思源佳怡子涵"
)
_SEATS_PER_ROW = 20


@dataclass(frozen=True)
class LoadResult:
    session_id: int
    created: bool


def find_scenario(explicit: Path | None = None) -> Path:
    """The scenario file: ``explicit``, else the shared contract copy, else ours."""
    if explicit is not None:
        return explicit
    for base in (Path.cwd(), _REPO_ROOT):
        candidate = base.parent / "shared" / "contract" / SCENARIO_NAME
        if candidate.is_file():
            return candidate
    return _SHIPPED


def candidate_details(name: str) -> tuple[str, str]:
    """Sample investment and summary of a project ("", "" when we have none)."""
    return _PROJECT_DETAILS.get(name, ("", ""))


def _split(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split by ``weights`` (largest remainder), summing exactly to ``total``."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def generate_roster(total: int, seed: int, scrutineers: int) -> list[DeputyCreate]:
    """``total`` deputies with unique names, delegations and seats; repeatable by ``seed``.

    About a tenth form the presidium (an odd number); ``scrutineers`` others are the
    scrutineers, the first of them the chief.
    """
    rng = random.Random(seed)  # demo data only: repeatable on purpose, never for secrets
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < total:
        given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(_SURNAMES) + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    delegations = [
        delegation
        for (delegation, _), count in zip(
            _DELEGATIONS, _split(total, [w for _, w in _DELEGATIONS]), strict=True
        )
        for _ in range(count)
    ]
    presidium_size = max(3, total // 11) | 1
    picked = rng.sample(range(total), presidium_size + scrutineers)
    presidium = set(picked[:presidium_size])
    scrutineer_order = picked[presidium_size:]
    return [
        DeputyCreate(
            name=names[i],
            delegation=delegations[i],
            seat=f"{i // _SEATS_PER_ROW + 1}排{i % _SEATS_PER_ROW + 1}座",
            is_presidium=i in presidium,
            is_scrutineer=i in scrutineer_order,
            is_chief_scrutineer=bool(scrutineer_order) and i == scrutineer_order[0],
        )
        for i in range(total)
    ]


def _vote_create(spec: Mapping[str, Any], candidate_list_id: int | None) -> VoteCreate:
    kind = VoteKind(spec["kind"])
    return VoteCreate(
        slug=spec["id"],
        kind=kind,
        title=spec["title"],
        options=list(spec.get("options") or spec.get("items") or []),
        scale=spec.get("scale"),
        select_min=spec.get("select_min"),
        select_max=spec.get("select_max"),
        threshold_rule=ThresholdRule(spec.get("threshold", ThresholdRule.MAJORITY_OF_ALL)),
        candidate_list_id=candidate_list_id if kind is VoteKind.SELECTION else None,
    )


def load_sample(db: Session, scenario: Mapping[str, Any], *, actor: str = "demo") -> LoadResult:
    """Load the scenario's session, roster, candidates and draft votes, unless present."""
    meta = scenario["session"]
    code = meta.get("code", SAMPLE_CODE)
    existing = repository.find_session_by_code(db, code)
    if existing is not None and existing.id is not None:
        return LoadResult(existing.id, created=False)

    congress = repository.create_session(db, SessionCreate(
        title=meta["title"], level=Level(meta.get("level", Level.COUNTY)),
        deputies_total=meta["deputies_total"], code=code,
    ))
    assert congress.id is not None
    scrutineers = int(meta.get("scrutineers", {}).get("count", 5))
    roster = generate_roster(congress.deputies_total, int(meta.get("seed", 2019)), scrutineers)
    repository.add_deputies(db, congress.id, roster)

    votes: Sequence[Mapping[str, Any]] = scenario.get("votes", [])
    selection = next((v for v in votes if v["kind"] == VoteKind.SELECTION), None)
    list_id: int | None = None
    if selection is not None:
        candidates = [
            CandidateCreate(position=i, name=name, investment=candidate_details(name)[0],
                            summary=candidate_details(name)[1])
            for i, name in enumerate(selection["options"], start=1)
        ]
        list_id = repository.add_candidate_list(db, congress.id, CANDIDATE_LIST_TITLE,
                                                candidates).id
    for spec in votes:
        repository.add_vote(db, congress.id, _vote_create(spec, list_id))
    audit.record(db, actor, "demo.loaded", f"session:{congress.id}",
                 {"deputies": len(roster), "votes": len(votes)})
    return LoadResult(congress.id, created=True)


def ensure_demo_operator(db: Session, *, demo_mode: bool) -> None:
    """The demo console login, with its public password; refused outside demo mode."""
    if not demo_mode:
        raise RuntimeError("the demo operator exists only in demo mode")
    from voting.accounts import AccountRole, create_account

    create_account(db, DEMO_OPERATOR_NAME, DEMO_OPERATOR_PASSWORD, AccountRole.OPERATOR,
                   "demo", replace=True)


def _cmd_demo(args: argparse.Namespace) -> int:
    from voting.api.pages import FACES
    from voting.cli import load_settings
    from voting.server import run_server

    os.environ["VOTING_MODE"] = "demo"  # before reading settings: no secret key needed
    settings = load_settings()
    scenario_path = find_scenario(args.scenario)
    scenario = json.loads(scenario_path.read_text(encoding="utf-8"))
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with session_scope(engine) as db:
            result = load_sample(db, scenario)
            ensure_demo_operator(db, demo_mode=settings.is_demo)
    finally:
        engine.dispose()
    state = "loaded" if result.created else "already present"
    print(f"sample session {result.session_id} {state} (from {scenario_path})")
    if args.no_serve:
        return 0
    host, port = args.host or settings.host, args.port or settings.port
    base = f"http://{host}:{port}"
    print(f"\n  home        {base}/")
    for face in FACES:
        print(f"  {face.key:<11} {base}{face.path}")
    print(f"\n  console login (DEMO ONLY)  name: {DEMO_OPERATOR_NAME}   "
          f"password: {DEMO_OPERATOR_PASSWORD}")
    print(f"  the sample session         {base}/console/sessions/{result.session_id}")
    print("  scrutineers: in demo mode the console's 演示 buttons run the five scrutineer "
          "devices\n  inside the server (key files in var/demo-scrutineers/); a real "
          "scrutineer uses `keys` instead.")
    print(flush=True)
    run_server(settings, host=host, port=port)
    return 0


def add_parser(subparsers: Subparsers) -> None:
    p = subparsers.add_parser("demo", help="load the sample session and serve it (demo mode)")
    p.add_argument("--scenario", type=Path, help=f"scenario file (default: {SCENARIO_NAME})")
    p.add_argument("--host", help="default: 127.0.0.1")
    p.add_argument("--port", type=int, help="default: 8000")
    p.add_argument("--no-serve", action="store_true", help="load only, do not serve")
    p.set_defaults(func=_cmd_demo)

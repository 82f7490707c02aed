"""Roster and candidate imports: all rows checked, a bad file refused whole, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import func, select

from voting import repository
from voting.db import session_scope
from voting.errors import ImportRejected, NotFound
from voting.importer import (
    format_of,
    import_candidates,
    import_roster,
    parse_candidates,
    parse_roster,
)
from voting.models import AuditEntry, Candidate, CandidateList, Deputy, Level, SessionCreate

BOM = b"\xef\xbb\xbf"

GOOD_CSV = """name,delegation,seat,is_presidium,is_scrutineer,is_chief_scrutineer
张伟,东江代表团,1排1座,是,否,否
李娜,东江代表团,1排2座,否,是,是
王芳,唐洞代表团,1排3座,0,1,0
"""

# Three bad rows: line 3 has no name, line 5 repeats line 2's seat, line 6 a bad flag.
THREE_BAD_ROWS_CSV = """name,delegation,seat,is_presidium,is_scrutineer,is_chief_scrutineer
张伟,东江代表团,1排1座,是,否,否
,东江代表团,1排2座,否,否,否
王芳,唐洞代表团,1排3座,否,否,否
刘洋,唐洞代表团,1排1座,否,否,否
陈静,唐洞代表团,1排4座,也许,否,否
杨军,白廊代表团,1排5座,否,否,否
"""


@pytest.fixture
def session_id(db_engine: Engine) -> int:
    with session_scope(db_engine) as db:
        row = repository.create_session(db, SessionCreate(
            title="测试会议", level=Level.TOWNSHIP, deputies_total=6))
        assert row.id is not None
        return row.id


def count(db_engine: Engine, table: type) -> int:
    with session_scope(db_engine) as db:
        return db.exec(select(func.count()).select_from(table)).one()


def test_three_bad_rows_are_all_named_and_nothing_is_stored(
    db_engine: Engine, session_id: int
) -> None:
    with pytest.raises(ImportRejected) as caught, session_scope(db_engine) as db:
        import_roster(db, session_id, THREE_BAD_ROWS_CSV.encode(), "csv", actor="test")
    rows = caught.value.rows
    assert [(r["line"], r["field"]) for r in rows] == [
        (3, "name"), (5, "seat"), (6, "is_presidium"),
    ]
    for row in rows:
        assert row["reason_zh"] and row["reason_en"]
    assert "1排1座" in rows[1]["reason_en"] and "2" in rows[1]["reason_en"]
    assert count(db_engine, Deputy) == 0
    assert count(db_engine, AuditEntry) == 0


def test_good_csv_with_bom_is_stored_in_one_go(db_engine: Engine, session_id: int) -> None:
    with session_scope(db_engine) as db:
        summary = import_roster(db, session_id, BOM + GOOD_CSV.encode(), "csv", actor="秘书处")
    assert summary.rows == 3
    with session_scope(db_engine) as db:
        deputies = repository.list_deputies(db, session_id)
        entry = db.exec(select(AuditEntry)).one()
    assert [d.name for d in deputies] == ["张伟", "李娜", "王芳"]
    assert deputies[0].is_presidium and not deputies[0].is_scrutineer
    assert deputies[1].is_chief_scrutineer and deputies[1].is_scrutineer
    assert deputies[2].is_scrutineer and not deputies[2].is_chief_scrutineer
    assert (entry.actor, entry.action, entry.detail["rows"]) == ("秘书处", "roster.imported", 3)


def test_chinese_headers_crlf_and_blank_lines() -> None:
    data = "姓名,代表团,座位号,主席团成员\r\n张伟,东江,A1,是\r\n,,,\r\n\r\n李娜,东江,A2,\r\n"
    deputies = parse_roster(BOM + data.encode(), "csv")
    assert [(d.name, d.seat, d.is_presidium) for d in deputies] == [
        ("张伟", "A1", True), ("李娜", "A2", False),
    ]


def test_json_roster(db_engine: Engine, session_id: int) -> None:
    data = json.dumps({"deputies": [
        {"name": "张伟", "delegation": "东江", "seat": "1", "is_presidium": True},
        {"name": "李娜", "seat": "2", "is_scrutineer": "是"},
    ]}, ensure_ascii=False).encode()
    with session_scope(db_engine) as db:
        import_roster(db, session_id, data, "json", actor="test")
    assert count(db_engine, Deputy) == 2
    assert [d.name for d in parse_roster(b'[{"name": "A", "seat": "9"}]', "json")] == ["A"]


def test_json_problems_name_the_entry() -> None:
    data = b'[{"name": "A", "seat": "1"}, {"name": 5, "seat": "2"}, "x", {"nom": "B"}]'
    with pytest.raises(ImportRejected) as caught:
        parse_roster(data, "json")
    assert [(r["line"], r["field"]) for r in caught.value.rows] == [(3, ""), (4, "nom")]
    with pytest.raises(ImportRejected) as caught:
        parse_roster(b'[{"name": "A", "seat": "1"}, {"name": 5, "seat": "2"}]', "json")
    assert [(r["line"], r["field"]) for r in caught.value.rows] == [(2, "name")]
    with pytest.raises(ImportRejected) as caught:
        parse_roster(b'{"deputies": [1,', "json")
    assert caught.value.rows[0]["field"] == "file"


def test_seats_already_taken_and_the_room_left(db_engine: Engine, session_id: int) -> None:
    with session_scope(db_engine) as db:
        import_roster(db, session_id, b"name,seat\nA,1\nB,2\n", "csv", actor="t")
    with pytest.raises(ImportRejected) as caught, session_scope(db_engine) as db:
        import_roster(db, session_id, b"name,seat\nC,2\nD,3\nE,4\nF,5\nG,6\n", "csv",
                      actor="t")
    problems = [(r["line"], r["field"]) for r in caught.value.rows]
    assert problems == [(0, "file"), (2, "seat")]  # 7 deputies > 6 in all; seat 2 taken
    assert count(db_engine, Deputy) == 2


def test_one_chief_scrutineer_who_is_a_scrutineer() -> None:
    data = (b"name,seat,is_scrutineer,is_chief_scrutineer\n"
            b"A,1,1,1\nB,2,1,1\nC,3,0,1\n")
    with pytest.raises(ImportRejected) as caught:
        parse_roster(data, "csv")
    assert [(r["line"], r["field"]) for r in caught.value.rows] == [
        (3, "is_chief_scrutineer"), (4, "is_scrutineer"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("姓名,座位\n张伟,1\n".encode("gbk"), [(1, "file")]),
        (b"name,seet\nA,1\n", [(1, "seet"), (1, "seat")]),
        (b"name,seat,name\nA,1,A\n", [(1, "name")]),
        (b"name,seat\nA,1,extra\n", [(2, "")]),
        (b"", [(0, "file")]),
        (b"name,seat\n", [(0, "file")]),
        (b'name,seat\n"A,1\n', [(2, "file")]),
    ],
)
def test_malformed_files(data: bytes, expected: list[tuple[int, str]]) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_roster(data, "csv")
    assert [(r["line"], r["field"]) for r in caught.value.rows] == expected


def test_not_utf8_says_how_to_fix_it() -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_roster("姓名,座位\n张伟,1\n".encode("gbk"), "csv")
    assert "UTF-8" in caught.value.rows[0]["reason_zh"]


def test_format_from_extension() -> None:
    assert format_of(Path("名单.CSV")) == "csv"
    assert format_of(Path("roster.json")) == "json"
    with pytest.raises(ImportRejected):
        format_of(Path("roster.xlsx"))


def test_unknown_session(db_engine: Engine) -> None:
    with pytest.raises(NotFound), session_scope(db_engine) as db:
        import_roster(db, 999, GOOD_CSV.encode(), "csv", actor="t")


CANDIDATES_CSV = """序号,项目名称,投资,简介
1,农村安全饮水巩固提升工程,4860万元,巩固提升农村饮水安全
2,农村危房改造,1500万元,改造危房600户
3,城区学校扩容建设,9200万元,
"""


def test_candidates_csv(db_engine: Engine, session_id: int) -> None:
    with session_scope(db_engine) as db:
        summary = import_candidates(db, session_id, BOM + CANDIDATES_CSV.encode(), "csv",
                                    actor="t", title="2019年度候选项目")
    assert summary.rows == 3 and summary.list_id is not None
    with session_scope(db_engine) as db:
        (lst,) = repository.list_candidate_lists(db, session_id)
    assert lst.title == "2019年度候选项目"
    assert [(c.position, c.name, c.investment) for c in lst.candidates][:2] == [
        (1, "农村安全饮水巩固提升工程", "4860万元"), (2, "农村危房改造", "1500万元"),
    ]
    with pytest.raises(ImportRejected) as caught, session_scope(db_engine) as db:
        import_candidates(db, session_id, CANDIDATES_CSV.encode(), "csv", actor="t",
                          title="2019年度候选项目")
    assert caught.value.rows[0]["field"] == "title"
    assert count(db_engine, CandidateList) == 1


def test_candidates_json_takes_its_title_and_default_positions(
    db_engine: Engine, session_id: int
) -> None:
    data = json.dumps({"title": "清单", "candidates": [
        {"name": "甲项目", "investment": "100万元"}, {"name": "乙项目", "summary": "说明"},
    ]}, ensure_ascii=False).encode()
    with session_scope(db_engine) as db:
        import_candidates(db, session_id, data, "json", actor="t")
    with session_scope(db_engine) as db:
        names = db.exec(select(Candidate.position, Candidate.name).order_by(Candidate.position))
        assert list(names) == [(1, "甲项目"), (2, "乙项目")]


def test_candidate_problems_are_all_listed(db_engine: Engine, session_id: int) -> None:
    data = "position,name\n1,甲\n1,乙\nx,丙\n4,甲\n5,\n".encode()
    with pytest.raises(ImportRejected) as caught, session_scope(db_engine) as db:
        import_candidates(db, session_id, data, "csv", actor="t")  # and no title given
    assert [(r["line"], r["field"]) for r in caught.value.rows] == [
        (0, "title"), (3, "position"), (4, "position"), (5, "name"), (6, "name"),
    ]
    assert count(db_engine, Candidate) == 0


def test_parse_candidates_without_database() -> None:
    candidates, title = parse_candidates(b'[{"name": "A"}, {"name": "B", "position": 7}]', "json")
    assert title is None
    assert [(c.position, c.name) for c in candidates] == [(1, "A"), (7, "B")]

"""Import of a session's roster and candidate lists from CSV or JSON.

All or nothing: every row is checked first; if anything is wrong the whole file is refused
with :class:`~voting.errors.ImportRejected`, listing every problem (line, field, reason in
zh-CN and English), and nothing is stored. Otherwise the rows are added to the caller's
transaction, which commits them together.

Files
-----
CSV is UTF-8, with or without the byte-order mark Excel writes ("CSV UTF-8"), comma
separated, with a header row. Headers may be given in English or Chinese:

Roster (代表名单)::

    name / 姓名                          required
    delegation / 代表团                  optional
    seat / 座位 / 座位号                  required, unique within the session
    is_presidium / 主席团成员             optional, 是/否, 1/0, true/false, yes/no, y/n
    is_scrutineer / 监票人                optional, same
    is_chief_scrutineer / 总监票人        optional, same; at most one, and a scrutineer

Candidate list (候选项目)::

    position / 序号                       optional whole number ≥ 1 (default: row order)
    name / 项目名称 / 名称                 required, unique within the list
    investment / 投资 / 投资额 / 估算投资   optional text as written, e.g. "3200万元"
    summary / 简介 / 项目简介 / 主要内容    optional

JSON is either a list of objects with the English keys above, or an object
``{"deputies": [...]}`` (roster) / ``{"title": "...", "candidates": [...]}`` (list). In
JSON, ``line`` in an error is the 1-based position of the entry in its list.

Line numbers in CSV errors are the file's own lines (the header is line 1); ``line`` 0
means the file as a whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from voting import audit, repository
from voting.errors import ImportRejected, RowError
from voting.i18n import translate
from voting.models import CandidateCreate, CandidateList, Deputy, DeputyCreate

__all__ = [
    "CANDIDATE_COLUMNS",
    "ROSTER_COLUMNS",
    "FileFormat",
    "ImportSummary",
    "format_of",
    "import_candidates",
    "import_roster",
    "parse_candidates",
    "parse_roster",
]

FileFormat = Literal["csv", "json"]

#: Canonical column → accepted headers (English first).
ROSTER_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "name": ("name", "姓名"),
    "delegation": ("delegation", "代表团"),
    "seat": ("seat", "座位", "座位号"),
    "is_presidium": ("is_presidium", "主席团成员", "主席团"),
    "is_scrutineer": ("is_scrutineer", "监票人"),
    "is_chief_scrutineer": ("is_chief_scrutineer", "总监票人"),
}
_ROSTER_REQUIRED = ("name", "seat")
_ROSTER_FLAGS = ("is_presidium", "is_scrutineer", "is_chief_scrutineer")

CANDIDATE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "position": ("position", "序号"),
    "name": ("name", "项目名称", "名称"),
    "investment": ("investment", "投资", "投资额", "估算投资"),
    "summary": ("summary", "简介", "项目简介", "主要内容"),
}
_CANDIDATE_REQUIRED = ("name",)

_TRUE = frozenset({"1", "true", "yes", "y", "是", "√", "✓"})
_FALSE = frozenset({"", "0", "false", "no", "n", "否"})

# (line, fields) as read from the file, before validation.
_Record = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class ImportSummary:
    """What an import stored."""

    session_id: int
    rows: int
    list_id: int | None = None


def _error(line: int, field: str, message_key: str, /, **kw: Any) -> RowError:
    return RowError(
        line=line,
        field=field,
        reason_zh=translate(message_key, "zh-CN", **kw),
        reason_en=translate(message_key, "en", **kw),
    )


def format_of(path: Path) -> FileFormat:
    """The format of a file by its extension (.csv or .json)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json":
        return "json"
    raise ImportRejected([_error(0, "file", "import.bad_extension", suffix=suffix or "?")])


# --- reading -------------------------------------------------------------------------------


def _header_map(columns: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias.lower(): canonical for canonical, aliases in columns.items()
            for alias in aliases}


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected([_error(line, "file", "import.not_utf8")]) from None


def _read_csv(
    data: bytes, columns: Mapping[str, tuple[str, ...]], required: Sequence[str]
) -> list[_Record]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        raise ImportRejected([_error(1, "file", "import.bad_csv")]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRejected([_error(0, "file", "import.empty")])
    aliases = _header_map(columns)
    fields: list[str] = []
    problems: list[RowError] = []
    for cell in header:
        name = aliases.get(cell.strip().lower())
        if name is None:
            problems.append(_error(1, cell.strip(), "import.unknown_column"))
        elif name in fields:
            problems.append(_error(1, cell.strip(), "import.duplicate_column"))
        fields.append(name or "")
    problems += [_error(1, name, "import.missing_column") for name in required
                 if name not in fields]
    if problems:
        raise ImportRejected(problems)

    records: list[_Record] = []
    last_line = reader.line_num
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, and Excel's ",,,," rows
            if len(cells) > len(fields):
                problems.append(_error(line, "", "import.too_many_cells"))
                continue
            records.append((line, dict(zip(fields, cells, strict=False))))
    except csv.Error:
        problems.append(_error(last_line + 1, "file", "import.bad_csv"))
    if problems:
        raise ImportRejected(problems)
    return records


def _read_json(
    data: bytes, list_key: str, columns: Mapping[str, tuple[str, ...]]
) -> tuple[list[_Record], dict[str, Any]]:
    try:
        document = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise ImportRejected([_error(exc.lineno, "file", "import.bad_json")]) from None
    meta: dict[str, Any] = {}
    if isinstance(document, dict):
        meta = {k: v for k, v in document.items() if k != list_key}
        document = document.get(list_key)
    if not isinstance(document, list):
        raise ImportRejected([_error(0, list_key, "import.json_shape", key=list_key)])
    aliases = _header_map(columns)
    records: list[_Record] = []
    problems: list[RowError] = []
    for index, entry in enumerate(document, start=1):
        if not isinstance(entry, dict):
            problems.append(_error(index, "", "import.json_entry"))
            continue
        fields: dict[str, Any] = {}
        for key, value in entry.items():
            name = aliases.get(str(key).strip().lower())
            if name is None:
                problems.append(_error(index, str(key), "import.unknown_column"))
            else:
                fields[name] = value
        records.append((index, fields))
    if problems:
        raise ImportRejected(problems)
    return records, meta


# --- checking ------------------------------------------------------------------------------

_PYDANTIC_REASONS = {
    "missing": "import.required",
    "string_too_short": "import.required",
    "string_too_long": "import.too_long",
    "int_parsing": "import.not_int",
    "int_type": "import.not_int",
    "int_from_float": "import.not_int",
    "greater_than": "import.too_small",
    "less_than_equal": "import.too_large",
    "string_type": "import.not_text",
    "bool_parsing": "import.not_bool",
    "bool_type": "import.not_bool",
}


def _validation_errors(line: int, exc: ValidationError) -> list[RowError]:
    errors: list[RowError] = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err.get("loc", ()))
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, int | str)}
        key = _PYDANTIC_REASONS.get(err["type"])
        if key is None:
            errors.append(_error(line, field, "import.invalid", detail=err.get("msg", "")))
        else:
            errors.append(_error(line, field, key, **ctx))
    return errors


def _flag(value: Any) -> bool | None:
    """A yes/no cell as a bool; None when it is neither."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


_M = TypeVar("_M", bound=BaseModel)


def _build(model: type[_M], line: int, fields: dict[str, Any],
           problems: list[RowError]) -> _M | None:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        problems.extend(_validation_errors(line, exc))
        return None


def _check_roster(
    records: Sequence[_Record], taken_seats: set[str], has_chief: bool, room: int
) -> list[DeputyCreate]:
    problems: list[RowError] = []
    deputies: list[DeputyCreate] = []
    seat_lines: dict[str, int] = {}
    chief_line: int | None = None
    for line, fields in records:
        row_ok = True
        for flag in _ROSTER_FLAGS:
            value = _flag(fields.get(flag))
            if value is None:
                problems.append(_error(line, flag, "import.not_bool"))
                row_ok = False
            else:
                fields[flag] = value
        if row_ok and fields["is_chief_scrutineer"]:
            if not fields["is_scrutineer"]:
                problems.append(_error(line, "is_scrutineer", "import.chief_not_scrutineer"))
                row_ok = False
            elif has_chief or chief_line is not None:
                problems.append(_error(line, "is_chief_scrutineer", "import.second_chief",
                                       first=chief_line or 0))
                row_ok = False
            else:
                chief_line = line
        seat = str(fields.get("seat") or "").strip()
        if seat in taken_seats:
            problems.append(_error(line, "seat", "import.seat_taken", seat=seat))
            row_ok = False
        elif seat and seat in seat_lines:
            problems.append(_error(line, "seat", "import.seat_repeated", seat=seat,
                                   first=seat_lines[seat]))
            row_ok = False
        elif seat:
            seat_lines[seat] = line
        deputy = _build(DeputyCreate, line, fields, problems) if row_ok else None
        if deputy is not None:
            deputies.append(deputy)
    if len(records) > room:
        problems.append(_error(0, "file", "import.too_many_deputies", rows=len(records),
                               room=room))
    if not records:
        problems.append(_error(0, "file", "import.empty"))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p["line"]))
    return deputies


def _check_candidates(records: Sequence[_Record]) -> list[CandidateCreate]:
    problems: list[RowError] = []
    candidates: list[CandidateCreate] = []
    position_lines: dict[int, int] = {}
    name_lines: dict[str, int] = {}
    for index, (line, fields) in enumerate(records, start=1):
        if fields.get("position") in (None, ""):
            fields["position"] = index
        candidate = _build(CandidateCreate, line, fields, problems)
        if candidate is None:
            continue
        if candidate.position in position_lines:
            problems.append(_error(line, "position", "import.position_repeated",
                                   position=candidate.position,
                                   first=position_lines[candidate.position]))
            continue
        if candidate.name in name_lines:
            problems.append(_error(line, "name", "import.name_repeated",
                                   first=name_lines[candidate.name]))
            continue
        position_lines[candidate.position] = line
        name_lines[candidate.name] = line
        candidates.append(candidate)
    if not records:
        problems.append(_error(0, "file", "import.empty"))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p["line"]))
    return candidates


# --- parsing without a database (used by tests and dry runs) -------------------------------


def _roster_records(data: bytes, fmt: FileFormat) -> list[_Record]:
    if fmt == "csv":
        return _read_csv(data, ROSTER_COLUMNS, _ROSTER_REQUIRED)
    records, _meta = _read_json(data, "deputies", ROSTER_COLUMNS)
    return records


def parse_roster(data: bytes, fmt: FileFormat) -> list[DeputyCreate]:
    """Check a roster file on its own (no clashes with stored seats are looked for)."""
    return _check_roster(_roster_records(data, fmt), set(), False, 10**9)


def _candidate_records(data: bytes, fmt: FileFormat) -> tuple[list[_Record], str | None]:
    if fmt == "csv":
        return _read_csv(data, CANDIDATE_COLUMNS, _CANDIDATE_REQUIRED), None
    records, meta = _read_json(data, "candidates", CANDIDATE_COLUMNS)
    title = meta.get("title")
    return records, title.strip() if isinstance(title, str) else None


def parse_candidates(data: bytes, fmt: FileFormat) -> tuple[list[CandidateCreate], str | None]:
    """Check a candidate file on its own; returns the candidates and the title it names."""
    records, title = _candidate_records(data, fmt)
    return _check_candidates(records), title


# --- storing -------------------------------------------------------------------------------


def import_roster(
    session: Session, session_id: int, data: bytes, fmt: FileFormat, *, actor: str
) -> ImportSummary:
    """Check every row, then add the deputies to ``session``'s transaction (no commit)."""
    congress = repository.get_session(session, session_id)
    records = _roster_records(data, fmt)
    existing = session.exec(select(Deputy).where(Deputy.session_id == session_id)).all()
    taken = {d.seat for d in existing}
    has_chief = any(d.is_chief_scrutineer for d in existing)
    room = congress.deputies_total - len(existing)
    deputies = _check_roster(records, taken, has_chief, room)
    repository.add_deputies(session, session_id, deputies)
    audit.record(session, actor, "roster.imported", f"session:{session_id}",
                 {"rows": len(deputies), "format": fmt})
    return ImportSummary(session_id=session_id, rows=len(deputies))


def import_candidates(
    session: Session,
    session_id: int,
    data: bytes,
    fmt: FileFormat,
    *,
    actor: str,
    title: str | None = None,
) -> ImportSummary:
    """Check every row, then add the list and its candidates (no commit).

    The list's title is ``title`` if given, else the JSON document's ``title``.
    """
    repository.get_session(session, session_id)
    records, file_title = _candidate_records(data, fmt)
    list_title = (title or file_title or "").strip()
    problems: list[RowError] = []
    if not list_title:
        problems.append(_error(0, "title", "import.title_required"))
    elif session.exec(
        select(col(CandidateList.id)).where(
            CandidateList.session_id == session_id, CandidateList.title == list_title
        )
    ).first() is not None:
        problems.append(_error(0, "title", "import.list_exists", title=list_title))
    try:
        candidates = _check_candidates(records)
    except ImportRejected as exc:
        raise ImportRejected(problems + exc.rows) from None
    if problems:
        raise ImportRejected(problems)
    row = repository.add_candidate_list(session, session_id, list_title, candidates)
    audit.record(session, actor, "candidates.imported", f"session:{session_id}",
                 {"list_id": row.id, "rows": len(candidates), "format": fmt})
    return ImportSummary(session_id=session_id, rows=len(candidates), list_id=row.id)

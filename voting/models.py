"""Tables of a congress session, and the API models that are not tables.

Model families (style rule 9): ``X`` (``table=True``) is a row and is never API input;
``XCreate`` validates what comes in (API, importer, demo loader); ``XPublic`` is what goes
out. Rows carry plain strings where the API carries enums, so the database holds no
engine-specific enum types.

Ballot cards, ballots and the bulletin board live in their own modules and migrations;
they depend on these tables, never the other way round.

Every table is registered on ``SQLModel.metadata`` with the naming convention below, so
constraints have stable names that later (batch) migrations can refer to. Import this
module before defining other tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import StringConstraints, field_validator, model_validator
from sqlalchemy import JSON, Column, DateTime, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

__all__ = [
    "NAMING_CONVENTION",
    "SLUG_PATTERN",
    "Attendance",
    "AuditEntry",
    "AuditEntryPublic",
    "Candidate",
    "CandidateCreate",
    "CandidateList",
    "CandidateListCreate",
    "CandidateListPublic",
    "CandidatePublic",
    "CongressSession",
    "Deputy",
    "DeputyCreate",
    "DeputyPublic",
    "Level",
    "SessionCreate",
    "SessionPublic",
    "Slug",
    "ThresholdRule",
    "UTCDateTime",
    "Vote",
    "VoteCreate",
    "VoteKind",
    "VotePublic",
    "utcnow",
]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION

#: Vote ids as people type them in URLs and scenario files ("projects-2019").
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, the same way on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _stripped(value: str) -> str:
    return value.strip()


class Level(StrEnum):
    """Tier of the people's congress (乡镇 / 县 / 设区的市 / 省 / 全国)."""

    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    NATIONAL = "national"


class VoteKind(StrEnum):
    SELECTION = "selection"  # 差额票决: choose between select_min and select_max options
    RATING = "rating"  # 满意度测评: one mark on a scale per item
    MOTION = "motion"  # 表决: yes / no / abstain


class ThresholdRule(StrEnum):
    MAJORITY_OF_ALL = "majority_of_all"  # 全体代表过半数 (the legal default)
    MAJORITY_OF_CAST = "majority_of_cast"
    NONE = "none"


# --- congress session ----------------------------------------------------------------------


class CongressSession(SQLModel, table=True):
    """One session (会议) of a congress; ``code`` is an optional stable handle ("zixing-2019")."""

    __tablename__ = "congress_session"

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=64, unique=True)
    title: str = Field(max_length=200)
    level: str = Field(max_length=16)
    deputies_total: int
    quorum: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SessionCreate(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    level: Level
    deputies_total: int = Field(gt=0, le=10_000)
    #: Deputies who must be present; by default a majority of all (过半数).
    quorum: int | None = Field(default=None, gt=0)
    code: Slug | None = None

    _strip_title = field_validator("title", mode="before")(
        lambda v: _stripped(v) if isinstance(v, str) else v
    )

    @model_validator(mode="after")
    def _quorum(self) -> SessionCreate:
        if self.quorum is None:
            self.quorum = self.deputies_total // 2 + 1
        if self.quorum > self.deputies_total:
            raise ValueError("quorum cannot exceed deputies_total")
        return self


class SessionPublic(SQLModel):
    id: int
    code: str | None
    title: str
    level: Level
    deputies_total: int
    quorum: int
    created_at: datetime


# --- deputies and attendance ---------------------------------------------------------------


class Deputy(SQLModel, table=True):
    """A deputy (代表) on a session's roster; ``seat`` is a label unique in the session."""

    __tablename__ = "deputy"
    __table_args__ = (UniqueConstraint("session_id", "seat"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="congress_session.id")
    name: str = Field(max_length=64)
    delegation: str = Field(default="", max_length=64)  # 代表团
    seat: str = Field(max_length=32)
    is_presidium: bool = False  # 主席团成员
    is_scrutineer: bool = False  # 监票人
    is_chief_scrutineer: bool = False  # 总监票人


class DeputyCreate(SQLModel):
    name: str = Field(min_length=1, max_length=64)
    delegation: str = Field(default="", max_length=64)
    seat: str = Field(min_length=1, max_length=32)
    is_presidium: bool = False
    is_scrutineer: bool = False
    is_chief_scrutineer: bool = False

    _strip = field_validator("name", "delegation", "seat", mode="before")(
        lambda v: _stripped(v) if isinstance(v, str) else v
    )

    @model_validator(mode="after")
    def _chief_is_scrutineer(self) -> DeputyCreate:
        if self.is_chief_scrutineer and not self.is_scrutineer:
            raise ValueError("a chief scrutineer must also be a scrutineer")
        return self


class DeputyPublic(SQLModel):
    id: int
    session_id: int
    name: str
    delegation: str
    seat: str
    is_presidium: bool
    is_scrutineer: bool
    is_chief_scrutineer: bool


class Attendance(SQLModel, table=True):
    """A check-in (报到) of a deputy; ``operator`` is who recorded it at the desk."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "deputy_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="congress_session.id")
    deputy_id: int = Field(foreign_key="deputy.id")
    checked_in_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    operator: str = Field(max_length=128)


# --- candidate lists -----------------------------------------------------------------------


class CandidateList(SQLModel, table=True):
    """A list of candidate projects (候选项目) put to the session."""

    __tablename__ = "candidate_list"
    __table_args__ = (UniqueConstraint("session_id", "title"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="congress_session.id")
    title: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Candidate(SQLModel, table=True):
    """One candidate project; ``position`` (1-based) is its place on the ballot."""

    __tablename__ = "candidate"
    __table_args__ = (UniqueConstraint("list_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    list_id: int = Field(foreign_key="candidate_list.id")
    position: int
    name: str = Field(max_length=200)
    investment: str = Field(default="", max_length=64)  # as written, e.g. "3200万元"
    summary: str = Field(default="", sa_type=Text)


class CandidateCreate(SQLModel):
    position: int = Field(gt=0, le=1000)
    name: str = Field(min_length=1, max_length=200)
    investment: str = Field(default="", max_length=64)
    summary: str = Field(default="", max_length=4000)

    _strip = field_validator("name", "investment", "summary", mode="before")(
        lambda v: _stripped(v) if isinstance(v, str) else v
    )


class CandidateListCreate(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    candidates: list[CandidateCreate] = Field(min_length=1)


class CandidatePublic(SQLModel):
    id: int
    position: int
    name: str
    investment: str
    summary: str


class CandidateListPublic(SQLModel):
    id: int
    session_id: int
    title: str
    created_at: datetime
    candidates: list[CandidatePublic]


# --- votes ---------------------------------------------------------------------------------


class Vote(SQLModel, table=True):
    """One vote (表决事项) of a session.

    ``id`` is the surrogate key other tables point to; ``slug`` is the public id, unique
    within the session ("projects-2019"). ``options`` holds the options of a selection or
    the items of a rating (empty for a motion); ``scale`` the marks of a rating. ``state``
    belongs to the vote lifecycle (voting/lifecycle.py); it starts as "draft".
    ``parent_vote_id`` links a runoff (另行选举 / 再次投票) to the vote it continues.
    """

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("session_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="congress_session.id")
    slug: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=200)
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    scale: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    select_min: int | None = None
    select_max: int | None = None
    threshold_rule: str = Field(default=ThresholdRule.MAJORITY_OF_ALL.value, max_length=32)
    state: str = Field(default="draft", max_length=32)
    candidate_list_id: int | None = Field(default=None, foreign_key="candidate_list.id")
    parent_vote_id: int | None = Field(default=None, foreign_key="vote.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VoteCreate(SQLModel):
    slug: Slug
    kind: VoteKind
    title: str = Field(min_length=1, max_length=200)
    options: list[str] = Field(default_factory=list, max_length=200)
    scale: list[str] | None = None
    select_min: int | None = Field(default=None, ge=0)
    select_max: int | None = Field(default=None, ge=1)
    threshold_rule: ThresholdRule = ThresholdRule.MAJORITY_OF_ALL
    candidate_list_id: int | None = None
    parent_vote_id: int | None = None

    @field_validator("options", "scale")
    @classmethod
    def _distinct_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [name.strip() for name in value]
        if any(not name or len(name) > 200 for name in names):
            raise ValueError("names must be 1 to 200 characters")
        if len(set(names)) != len(names):
            raise ValueError("names must be distinct")
        return names

    @model_validator(mode="after")
    def _fits_kind(self) -> VoteCreate:
        if self.kind is VoteKind.SELECTION:
            if not self.options:
                raise ValueError("a selection needs options")
            lo = 0 if self.select_min is None else self.select_min
            hi = len(self.options) if self.select_max is None else self.select_max
            if not lo <= hi <= len(self.options):
                raise ValueError("need 0 <= select_min <= select_max <= number of options")
            self.select_min, self.select_max = lo, hi
            if self.scale is not None:
                raise ValueError("a selection has no scale")
        elif self.kind is VoteKind.RATING:
            if not self.options:
                raise ValueError("a rating needs items (given as options)")
            if not self.scale or len(self.scale) < 2:
                raise ValueError("a rating needs a scale of at least two marks")
            if self.select_min is not None or self.select_max is not None:
                raise ValueError("a rating has no selection limits")
        else:
            if self.options or self.scale is not None:
                raise ValueError("a motion has no options or scale")
            if self.select_min is not None or self.select_max is not None:
                raise ValueError("a motion has no selection limits")
        return self


class VotePublic(SQLModel):
    id: int
    session_id: int
    slug: str
    kind: VoteKind
    title: str
    options: list[str]
    scale: list[str] | None
    select_min: int | None
    select_max: int | None
    threshold_rule: ThresholdRule
    state: str
    candidate_list_id: int | None
    parent_vote_id: int | None
    created_at: datetime


# --- operator audit log --------------------------------------------------------------------


class AuditEntry(SQLModel, table=True):
    """Who did what to which thing, and when. Never ballot content (see voting/audit.py)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=64)
    subject: str = Field(max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditEntryPublic(SQLModel):
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]

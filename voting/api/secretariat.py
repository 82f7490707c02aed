"""The secretariat's endpoints beyond the vote steps (voting/api/operator.py): create a
session, import roster and candidates, check-in and count progress, publish a record,
enrolled devices, and the audit log. Operator only; every change lands in the audit log."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from voting import accounts, audit, importer, repository
from voting.account_models import DeviceCredential
from voting.api.auth import Operator
from voting.api.deps import DbSession, EngineDep
from voting.box_models import DecryptionShareRow, KeyCeremonyRow, SessionKeyRow, VoteOutcome
from voting.cards import card_counts
from voting.db import session_scope
from voting.errors import ImportRejected, NotFound
from voting.lifecycle import VoteState, require_state
from voting.models import (
    Attendance,
    AuditEntry,
    AuditEntryPublic,
    Deputy,
    SessionCreate,
    SessionPublic,
    Vote,
)
from voting.record_export import export_record

__all__ = ["MAX_UPLOAD_BYTES", "audit_entries", "router", "session_subjects"]

router = APIRouter(prefix="/api", tags=["secretariat"])

#: A roster of 3,000 deputies in CSV is well under 1 MiB.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class DeviceCreate(BaseModel):
    role: accounts.DeviceRole
    label: str = Field(min_length=1, max_length=64)


@router.post("/sessions", status_code=201, response_model=SessionPublic,
             summary="Create a congress session")
def create_session(body: SessionCreate, engine: EngineDep, actor: Operator) -> SessionPublic:
    with session_scope(engine) as db:
        row = repository.create_session(db, body)
        audit.record(db, actor, "session.created", f"session:{row.id}", {"title": row.title})
        return SessionPublic.model_validate(row)


def _upload_error(reason_zh: str, reason_en: str) -> ImportRejected:
    return ImportRejected([{"line": 0, "field": "file", "reason_zh": reason_zh,
                            "reason_en": reason_en}])


async def _capped(request: Request) -> AsyncGenerator[bytes, None]:
    """The request body, refused past the upload limit (plus room for the form's framing)."""
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_UPLOAD_BYTES + 64 * 1024:
            raise _upload_error("文件过大（上限 2 MiB）", "File too large (2 MiB at most)")
        yield chunk


async def _read_upload(request: Request) -> tuple[bytes, importer.FileFormat, dict[str, str]]:
    """The uploaded ``file`` and the other form fields. Read here, after the caller's role
    was checked, and capped: nobody can make the server spool a large body unasked."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise _upload_error("请上传文件（multipart/form-data）",
                            "Upload a file (multipart/form-data)")
    try:
        form = await MultiPartParser(request.headers, _capped(request), max_files=1,
                                     max_fields=4).parse()
    except MultiPartException as exc:
        raise _upload_error("上传内容格式错误", f"Malformed upload: {exc.message}") from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise _upload_error("缺少文件", "No file in the upload")
        fmt = importer.format_of(Path(upload.filename or "upload"))
        data = await upload.read()
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        return data, fmt, fields | {"filename": upload.filename or ""}
    finally:
        await form.close()


_UPLOAD_DOC: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "title": {"type": "string", "maxLength": 200}}}}}}}


@router.post("/sessions/{session_id}/roster", status_code=201, openapi_extra=_UPLOAD_DOC,
             summary="Import the roster (CSV or JSON upload; all rows or none)")
async def import_roster(session_id: int, request: Request, actor: Operator) -> dict[str, int]:
    data, fmt, _ = await _read_upload(request)
    engine = request.app.state.engine
    with session_scope(engine) as db:
        summary = importer.import_roster(db, session_id, data, fmt, actor=actor)
    return {"rows": summary.rows}


@router.post("/sessions/{session_id}/candidate-lists", status_code=201,
             openapi_extra=_UPLOAD_DOC,
             summary="Import a candidate list (CSV or JSON upload; title optional)")
async def import_candidates(session_id: int, request: Request,
                            actor: Operator) -> dict[str, Any]:
    data, fmt, fields = await _read_upload(request)
    title = fields.get("title", "").strip()[:200]
    chosen = title or (Path(fields["filename"]).stem if fmt == "csv" else "")
    engine = request.app.state.engine
    with session_scope(engine) as db:
        summary = importer.import_candidates(db, session_id, data, fmt, actor=actor,
                                             title=chosen or None)
    return {"rows": summary.rows, "list_id": summary.list_id}


@router.get("/sessions/{session_id}/attendance",
            summary="Who has checked in (operator only: attendance is not public)")
def attendance(session_id: int, db: DbSession, _actor: Operator) -> dict[str, Any]:
    repository.get_session(db, session_id)
    present = db.exec(select(Attendance.deputy_id).where(Attendance.session_id == session_id)
                      ).all()
    return {"present": sorted(int(d) for d in present), "count": len(present)}


def count_progress(db: Session, vote: Vote) -> dict[str, Any]:
    """Which scrutineers' decryption shares and signatures are in (never a count)."""
    ceremony = db.get(KeyCeremonyRow, vote.session_id)
    shares = db.exec(select(DecryptionShareRow.scrutineer)
                     .where(DecryptionShareRow.vote_id == vote.id)
                     .order_by(col(DecryptionShareRow.scrutineer))).all()
    outcome = db.get(VoteOutcome, vote.id)
    signed = sorted(s["signer"] for s in outcome.signatures) if outcome is not None else []
    return {
        "state": vote.state,
        "k": ceremony.k if ceremony else None,
        "n": ceremony.n if ceremony else None,
        "shares": [int(s) for s in shares],
        "signatures": signed,
        "cards": card_counts(db, vote).to_json(),
        "has_certification_key": db.get(SessionKeyRow, vote.session_id) is not None,
    }


@router.get("/sessions/{session_id}/votes/{slug}/progress",
            summary="The count's progress: shares and signatures in, card counts")
def progress(session_id: int, slug: str, db: DbSession, _actor: Operator) -> dict[str, Any]:
    return count_progress(db, repository.get_vote(db, session_id, slug))


def record_dir(data_dir: Path, session_id: int, slug: str) -> Path:
    return data_dir / "records" / f"session-{session_id}" / slug


@router.post("/sessions/{session_id}/votes/{slug}/publish",
             summary="Publish the certified record: written under the data directory")
def publish(session_id: int, slug: str, request: Request, engine: EngineDep,
            actor: Operator) -> dict[str, Any]:
    settings = request.app.state.settings
    with session_scope(engine) as db:
        vote = repository.get_vote(db, session_id, slug)
        require_state(vote, VoteState.CERTIFIED)
        directory = record_dir(Path(settings.data_dir), session_id, slug)
        files = export_record(db, vote, directory)
        audit.record(db, actor, "record.published", f"vote:{vote.id}", {"files": len(files)})
    return {"directory": str(directory), "files": len(files),
            "download": f"/api/sessions/{session_id}/votes/{slug}/record.zip",
            "verify": f"tally verify {directory}"}


@router.post("/sessions/{session_id}/devices", status_code=201,
             summary="Enroll a kiosk tablet or presidium screen; the code is shown once")
def enroll_device(session_id: int, body: DeviceCreate, engine: EngineDep,
                  actor: Operator) -> dict[str, Any]:
    with session_scope(engine) as db:
        repository.get_session(db, session_id)
        row, code = accounts.enroll_device(db, session_id, body.role, body.label, actor)
    return {"id": row.id, "role": row.role, "label": row.label, "code": code,
            "enroll_url": f"/enroll#{code}"}


@router.get("/sessions/{session_id}/devices", summary="The session's enrolled devices")
def list_devices(session_id: int, db: DbSession, _actor: Operator) -> list[dict[str, Any]]:
    rows = db.exec(select(DeviceCredential).where(DeviceCredential.session_id == session_id)
                   .order_by(col(DeviceCredential.id))).all()
    return [{"id": r.id, "role": r.role, "label": r.label, "revoked": r.revoked,
             "created_by": r.created_by, "created_at": r.created_at.isoformat()} for r in rows]


@router.post("/sessions/{session_id}/devices/{device_id}/revoke",
             summary="Revoke an enrolled device at once")
def revoke_device(session_id: int, device_id: int, engine: EngineDep,
                  actor: Operator) -> dict[str, str]:
    with session_scope(engine) as db:
        row = db.get(DeviceCredential, device_id)
        if row is None or row.session_id != session_id:
            raise NotFound("device", device_id)
        row.revoked = True
        db.add(row)
        audit.record(db, actor, "device.revoked", f"session:{session_id}", {"device": device_id})
    return {"status": "revoked"}


def session_subjects(db: Session, session_id: int) -> list[str]:
    """Audit subjects that belong to a session: itself, its votes, its deputies."""
    votes = db.exec(select(Vote.id).where(Vote.session_id == session_id)).all()
    deputies = db.exec(select(Deputy.id).where(Deputy.session_id == session_id)).all()
    return ([f"session:{session_id}"] + [f"vote:{v}" for v in votes]
            + [f"deputy:{d}" for d in deputies])


def audit_entries(db: Session, *, session_id: int | None, offset: int, limit: int
                  ) -> tuple[list[AuditEntryPublic], int]:
    """Newest first; with ``session_id``, only what concerns that session."""
    query = select(AuditEntry)
    counter = select(func.count()).select_from(AuditEntry)
    if session_id is not None:
        subjects = session_subjects(db, session_id)
        condition = col(AuditEntry.subject).in_(subjects)
        query, counter = query.where(condition), counter.where(condition)
    rows = db.exec(query.order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)).all()
    return [AuditEntryPublic.model_validate(r) for r in rows], int(db.exec(counter).one())


@router.get("/audit", summary="The operator audit log, newest first")
def audit_log(db: DbSession, _actor: Operator,
              session: Annotated[int | None, Query()] = None,
              offset: Annotated[int, Query(ge=0)] = 0,
              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    entries, total = audit_entries(db, session_id=session, offset=offset, limit=limit)
    return {"total": total, "entries": [e.model_dump(mode="json") for e in entries]}

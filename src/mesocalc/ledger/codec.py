"""The ledger's portable file: what `ledger export` writes and `ledger import` reads back, writer beside
reader so that the two cannot drift apart.

This is the ledger's own storage format (versioned by EXPORT_VERSION; schemas/ledger-export.json), not a
presentation of a result: it carries each session as stored (its canonical content, see content.py),
with its stable UUID, lots, voids and the source document it was recorded from. The documents the user
reads (record, history, lots, ...) are shaped in render/ledger_json.py.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from mesocalc.errors import Location, input_error
from mesocalc.lazyre import lazy
from mesocalc.ledger import content as ct
from mesocalc.ledger.db import SCHEMA_VERSION
from mesocalc.ledger.store import StoredSession, Void

EXPORT_VERSION = 1
UUID = lazy(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# ---- writing ----------------------------------------------------------------------------------

def export_doc(sessions: list[StoredSession], patient: str | None) -> dict[str, Any]:
    """The export file of `sessions` (with their source documents): every session of the ledger, or of
    `patient`."""
    return {"kind": "ledger-export", "version": EXPORT_VERSION, "schema_version": SCHEMA_VERSION,
            "exported_at": datetime.now().replace(microsecond=0).isoformat(), "patient": patient,
            "sessions": [_session_record(s) for s in sessions]}


def _session_record(s: StoredSession) -> dict[str, Any]:
    return {"uuid": s.uuid, "patient": s.patient, "given_at": s.given_at.isoformat(),
            "recorded_at": s.recorded_at.isoformat(), "source": s.source, "content": ct.stored(s.content), "ok": s.ok,
            "override": s.override, "by": s.by, "note": s.note, "lots": [_lot_record(lot) for lot in s.lots],
            "voids": [{"uuid": v.uuid, "reason": v.reason, "voided_at": v.voided_at.isoformat(), "by": v.by}
                      for v in s.voids],
            "document": json.loads(s.document) if s.document else None}


def _lot_record(lot: ct.Lot) -> dict[str, Any]:
    return {"target": lot.target, "lot": lot.lot, "expiry": lot.expiry.isoformat() if lot.expiry else None}


# ---- reading ----------------------------------------------------------------------------------

def read_export(text: str, name: str) -> list[StoredSession]:
    """The sessions of an exported document; every problem names the file and key."""
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        raise input_error(f"not valid JSON: {getattr(exc, 'msg', str(exc))}", Location(name, line),
                          code="bad-json") from None
    if not isinstance(doc, dict) or doc.get("kind") != "ledger-export":
        raise input_error("expected a ledger export (kind: ledger-export, from mesocalc ledger export)",
                          Location(name, key="kind"), code="bad-document")
    if doc.get("version") != EXPORT_VERSION:
        raise input_error(f"unsupported ledger export version {str(doc.get('version'))[:10]} (this mesocalc reads "
                          f"version {EXPORT_VERSION})", Location(name, key="version"), code="bad-document")
    sessions = doc.get("sessions")
    if not isinstance(sessions, list):
        raise input_error("'sessions' must be a list", Location(name, key="sessions"), code="bad-document")
    return [_session(item, f"sessions[{i}]", name) for i, item in enumerate(sessions)]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _session(item: Any, key: str, name: str) -> StoredSession:
    def where(sub: str) -> Location:
        return Location(name, key=f"{key}.{sub}" if sub else key)

    if not isinstance(item, dict):
        raise input_error("each session is an object", where(""), code="bad-document")

    def text(sub: str, required: bool = True) -> str | None:
        value = item.get(sub)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise input_error(f"'{sub}' must be text", where(sub), code="bad-document")
        limit = ct.MAX_ID if sub in ("patient", "by", "uuid", "given_at", "recorded_at") else ct.MAX_TEXT
        if len(value) > limit or not ct.printable(value):
            raise input_error(f"'{sub}' is too long or contains a control character", where(sub),
                              code="bad-document")
        return value

    def moment(sub: str) -> datetime:
        try:
            return datetime.fromisoformat(text(sub) or "")
        except ValueError:
            raise input_error(f"'{sub}' is not an ISO date and time", where(sub), code="bad-date") from None

    uuid = text("uuid") or ""
    if not UUID.match(uuid):
        raise input_error("'uuid' is not a session UUID", where("uuid"), code="bad-document")
    raw = item.get("content")
    if not isinstance(raw, dict) or raw.get("source") not in ("plan", "visit") or not isinstance(
            raw.get("doses"), dict) or not isinstance(raw.get("items"), list):
        raise input_error("'content' must be a session's content (source, items, doses)", where("content"),
                          code="bad-document")
    try:
        for it in raw["items"]:
            if it["what"] not in ("cocktail", "product") or not isinstance(it["ref"], str):
                raise ValueError
        content = ct.from_stored(raw)
    except (AttributeError, KeyError, TypeError, ValueError):
        raise input_error("'content' has a dose or item mesocalc cannot read", where("content"),
                          code="bad-document") from None
    ok = item.get("ok")
    if not isinstance(ok, bool):
        raise input_error("'ok' must be true or false", where("ok"), code="bad-document")
    override = text("override", required=False)
    if not ok and not override:
        raise input_error("a session that was not OK needs its 'override' reason", where("override"),
                          code="bad-document")
    lots = []
    for j, lot in enumerate(item.get("lots") or []):
        try:
            expiry = lot.get("expiry")
            lots.append(ct.Lot(str(lot["target"]), str(lot["lot"]), date.fromisoformat(expiry) if expiry else None))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise input_error("a lot is {target, lot, expiry}", where(f"lots[{j}]"), code="bad-document") from None
    voids = []
    for j, v in enumerate(item.get("voids") or []):
        try:
            if not UUID.match(v["uuid"]) or not v["reason"]:
                raise ValueError
            voids.append(Void(v["uuid"], uuid, str(v["reason"]), datetime.fromisoformat(v["voided_at"]), v.get("by")))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise input_error("a void is {uuid, reason, voided_at, by}", where(f"voids[{j}]"),
                              code="bad-document") from None
    document = item.get("document")
    source = content.source
    if item.get("source") not in (None, source):
        raise input_error("'source' differs from the content's", where("source"), code="bad-document")
    return StoredSession(uuid, text("patient") or "", moment("given_at"), moment("recorded_at"), source, content, ok,
                         override, text("by", required=False), text("note", required=False), tuple(lots),
                         tuple(voids), json.dumps(document, ensure_ascii=False) if document is not None else None)

"""GDPR rights: export everything stored about a subscriber (Art. 15/20) and erase it (Art. 17).

Both walk the foreign keys of the SQLModel metadata outward from `subscriber`, so a table added
later (inquiries, bounce events, ...) is included without touching this module. Inbound mail is
reached through `inboundmessage.subscriber_id` (set by processing, service/inbound/acting/
ownership.py; erasure first links stored mail that still names the address). Erasure deletes
dependent rows, except tables listed in ANONYMISE, which keep an unlinked row for aggregate
statistics; only the keyed hash of the address survives, in the suppression list.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from service.audience.suppression import hash_of, suppress
from service.errors import InvalidInput, NotFound
from service.models._common import table_of
from service.models.consent import ledger_erasure
from service.models.inbound import InboundMessage
from service.models.inquiry import AckLog
from service.models.subscriber import Subscriber
from service.models.suppression import Suppression, SuppressionReason

ROOT = "subscriber"
# Rows kept for campaign statistics, with every personal column cleared.
ANONYMISE: dict[str, dict[str, Any]] = {
    "tracking_event": {"subscriber_id": None, "ip": None, "user_agent": ""},
    # complaint rates per campaign and day (F4) keep counting an erased person's complaint
    "complaintevent": {"subscriber_id": None, "delivery_id": None, "inbound_message_id": None},
    # a sender alert is about our sending; its diagnostic text may quote the address
    "senderalert": {"inbound_message_id": None, "delivery_id": None, "detail": "(erased)"},
}
# Exported as metadata: the stored bytes are the mail the person sent us, not a record about them.
EXPORT_DROP: dict[str, str] = {"inboundmessage": "raw"}


@dataclass(frozen=True)
class Edge:
    """child.column references parent.referred (the child's rows belong to the parent's)."""

    child: sa.Table
    column: sa.Column[Any]
    parent: sa.Table
    referred: sa.Column[Any]


def personal_edges(metadata: sa.MetaData | None = None) -> list[Edge]:
    """Every FK edge leading (directly or through other tables) to subscriber, parents first."""
    metadata = metadata or SQLModel.metadata
    reached = {ROOT}
    edges: list[Edge] = []
    for table in metadata.sorted_tables:  # topological: a parent is seen before its children
        for fk in table.foreign_keys:
            if fk.column.table.name in reached and table.name != fk.column.table.name:
                edges.append(Edge(table, fk.parent, fk.column.table, fk.column))
                reached.add(table.name)
    return edges


@dataclass
class Collected:
    """Rows per table reachable from a set of subscribers."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def values(self, table: str, column: str) -> set[Any]:
        """Distinct non-null values of one column among collected rows."""
        return {r[column] for r in self.rows.get(table, []) if r.get(column) is not None}


def collect(session: Session, *, subscriber_ids: list[int]) -> Collected:
    """Load the subscriber rows and every row that hangs off them via foreign keys."""
    sub_t = SQLModel.metadata.tables[ROOT]
    found = Collected()
    found.rows[ROOT] = _fetch(session, sub_t, sub_t.c.id.in_(subscriber_ids))
    for edge in personal_edges():
        keys = found.values(edge.parent.name, edge.referred.name)
        if not keys:
            continue
        rows = _fetch(session, edge.child, edge.column.in_(sorted(keys)))
        seen = found.rows.setdefault(edge.child.name, [])
        pk = [c.name for c in edge.child.primary_key]
        known = {tuple(r[c] for c in pk) for r in seen}
        seen.extend(r for r in rows if tuple(r[c] for c in pk) not in known)
    return found


def _fetch(session: Session, table: sa.Table, cond: sa.ColumnElement[bool]) -> list[dict[str, Any]]:
    """Rows as plain dicts, in primary-key order."""
    stmt = sa.select(table).where(cond).order_by(*table.primary_key.columns)
    return [dict(r._mapping) for r in session.execute(stmt)]


def export_subscriber(
    session: Session, *, subscriber_id: int | None = None, email: str | None = None
) -> dict[str, Any]:
    """Everything stored about one subscriber, JSON-ready: {table: [rows]} plus suppression."""
    sub = _find(session, subscriber_id=subscriber_id, email=email)
    assert sub.id is not None
    found = collect(session, subscriber_ids=[sub.id])
    tables = {
        name: [_jsonable(_exported(name, r)) for r in rows]
        for name, rows in found.rows.items()
        if rows
    }
    acks = session.exec(select(AckLog).where(AckLog.email_hash == sub.email_hash)).all()
    if acks:
        tables["acklog"] = [_jsonable(a.model_dump()) for a in acks]
    supp = session.exec(select(Suppression).where(Suppression.email_hash == sub.email_hash)).all()
    if supp:
        tables["suppression"] = [_jsonable(s.model_dump()) for s in supp]
    return {"format": "newsdesk-subject-access-export/1", "subscriber_id": sub.id, "tables": tables}


def erase_subscriber(
    session: Session, *, subscriber_id: int | None = None, email: str | None = None
) -> dict[str, int]:
    """Delete all personal data; keep only the keyed hash (reason 'erased') against re-import."""
    try:
        sub = _find(session, subscriber_id=subscriber_id, email=email)
    except NotFound:
        if email is None:
            raise
        suppress(session, email=email, reason=SuppressionReason.ERASED)  # never import it again
        return {}
    suppress(session, subscriber=sub, reason=SuppressionReason.ERASED)
    assert sub.id is not None
    linked = link_stored_mail(session, subscriber=sub)
    ack_t = table_of(AckLog)  # keyed by the address hash: gone with the person
    acks = session.execute(sa.delete(ack_t).where(ack_t.c.email_hash == sub.email_hash))
    with ledger_erasure(session):
        counts = delete_subscribers(session, subscriber_ids=[sub.id])
    extra = {"inbound mail linked at erasure": linked, "acklog": _rowcount(acks)}
    counts.update({k: v for k, v in extra.items() if v})
    session.expunge(sub)
    return counts


def link_stored_mail(session: Session, *, subscriber: Subscriber) -> int:
    """Tie unlinked stored mail that names the address (envelope or bytes) to the subscriber.

    Processing links what it can; this catches the rest (mail from an address processing could
    not attribute, a quarantined message) so erasure leaves none of it. A scan of the unlinked
    rows, bounded by the raw-mail retention period; erasure is rare.
    """
    t = table_of(InboundMessage)
    address = subscriber.email.lower()
    pattern = "%" + address.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if session.get_bind().dialect.name == "postgresql":
        in_raw = sa.func.encode(t.c.raw, "escape").ilike(pattern, escape="\\")
    else:  # SQLite's LIKE folds ASCII case
        in_raw = sa.cast(t.c.raw, sa.Text).like(pattern, escape="\\")
    named = sa.or_(sa.func.lower(t.c.envelope_from) == address, in_raw)
    stmt = (
        sa.update(t).where(t.c.subscriber_id.is_(None), named).values(subscriber_id=subscriber.id)
    )
    return _rowcount(session.execute(stmt))


def delete_subscribers(session: Session, *, subscriber_ids: list[int]) -> dict[str, int]:
    """Delete (or, per ANONYMISE, unlink) dependent rows, children first, then the subscribers.

    The caller opens `ledger_erasure(session)`: ledger rows are dependents too.
    """
    found = collect(session, subscriber_ids=subscriber_ids)
    counts: dict[str, int] = {}
    for edge in reversed(personal_edges()):
        keys = sorted(found.values(edge.parent.name, edge.referred.name))
        if not keys:
            continue
        where = edge.column.in_(keys)
        scrub = ANONYMISE.get(edge.child.name)
        stmt = (
            sa.update(edge.child).where(where).values(scrub)
            if scrub
            else sa.delete(edge.child).where(where)
        )
        counts[edge.child.name] = counts.get(edge.child.name, 0) + _rowcount(session.execute(stmt))
    sub_t = SQLModel.metadata.tables[ROOT]
    counts[ROOT] = _rowcount(
        session.execute(sa.delete(sub_t).where(sub_t.c.id.in_(subscriber_ids)))
    )
    session.flush()
    return counts


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _find(session: Session, *, subscriber_id: int | None, email: str | None) -> Subscriber:
    """The subscriber by id or by (normalised) address."""
    if (subscriber_id is None) == (email is None):
        raise InvalidInput("give exactly one of subscriber_id or email")
    if subscriber_id is not None:
        sub = session.get(Subscriber, subscriber_id)
    else:
        key = hash_of(email or "")
        sub = session.exec(select(Subscriber).where(Subscriber.email_hash == key)).first()
    if sub is None:
        raise NotFound(f"no subscriber {subscriber_id if email is None else email!r}")
    return sub


def _exported(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The row as exported: a dropped column becomes its size in bytes."""
    column = EXPORT_DROP.get(table)
    if column is None or column not in row:
        return row
    value = row[column] or b""
    return {**{k: v for k, v in row.items() if k != column}, f"{column}_bytes": len(value)}


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Datetimes to ISO 8601, bytes to base64, decimals to strings."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode()
        elif isinstance(value, Decimal):
            value = str(value)
        out[key] = value
    return out

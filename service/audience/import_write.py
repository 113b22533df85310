"""Writing one checked import batch with set-based statements (the importer's hot path)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from service.audience.import_rows import ImportRow
from service.audience.ledger import DOI_TEMPLATE_VERSION, consent_text
from service.audience.pg_bulk import copy_rows, is_postgres, one_of
from service.audience.seen_addresses import SeenAddresses
from service.domain.addresses import email_hash
from service.models._common import table_of
from service.models.consent import ConsentEvent, ConsentEventKind
from service.models.subscriber import Subscriber, SubscriberStatus
from service.models.subscription import ListSubscription
from service.models.suppression import Suppression
from service.settings import get_settings

subscriber_t: sa.Table = table_of(Subscriber)
ledger_t: sa.Table = table_of(ConsentEvent)
suppression_t: sa.Table = table_of(Suppression)
membership_t: sa.Table = table_of(ListSubscription)
REFUSED_STATUS = {
    SubscriberStatus.UNSUBSCRIBED: "unsubscribed",
    SubscriberStatus.BLOCKLISTED: "blocklisted",
}


@dataclass
class BatchContext:
    """Per-import constants, and the addresses seen so far (duplicates across batches)."""

    source: str
    now: datetime
    dry_run: bool
    can_invite: bool
    overwrite: bool = False  # replace what subscribers chose themselves (language, preferences)
    seen: SeenAddresses = field(default_factory=SeenAddresses)  # address -> its first line


@dataclass
class BatchOutcome:
    """What one batch did: counts, refusals and who to invite."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # rows where a subscriber's own choice was kept over the file's value
    confirmed: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    invitations: list[tuple[int, str, str]] = field(default_factory=list)


def write_batch(session: Session, rows: list[ImportRow], ctx: BatchContext) -> BatchOutcome:
    """Refuse suppressed/withdrawn rows, insert new people, update known ones, write the ledger."""
    out = BatchOutcome()
    secret = get_settings().secret_bytes
    hashes = {r.email: email_hash(r.email, secret) for r in rows}
    blocked = _suppressed(session, set(hashes.values()))
    existing = _existing(session, list(hashes))
    latest: dict[str, ImportRow] = {}
    for row in rows:
        reason = _refusal(row, hashes[row.email] in blocked, existing.get(row.email), ctx)
        reason = reason or _duplicate(row, ctx)
        if reason:
            out.refused.append((row.line, row.email, reason))
        else:
            latest[row.email] = row
    fresh = [r for a, r in latest.items() if a not in existing]
    known = [r for a, r in latest.items() if a in existing]
    chosen = own_choices(session, [existing[r.email]["id"] for r in known])
    params = [_update_params(r, existing[r.email], chosen, ctx, out) for r in known]
    changed = [(r, p) for r, p in zip(known, params, strict=True) if p is not None]
    out.created, out.updated = len(fresh), len(changed)
    out.unchanged = len(known) - len(changed)
    if ctx.dry_run:
        out.confirmed = sum(1 for r in fresh + known if r.consent_at and _unconfirmed(existing, r))
        return out
    ids = _insert(session, fresh, hashes, ctx)
    _update(session, [p for _, p in changed if p is not None])
    ids |= {r.email: existing[r.email]["id"] for r in known}
    _ledger(session, fresh + known, ids, existing, ctx, out)
    _memberships(session, fresh + known, ids, existing, ctx.now)
    return out


def _memberships(
    session: Session,
    rows: list[ImportRow],
    ids: dict[str, int],
    existing: dict[str, dict[str, Any]],
    now: datetime,
) -> None:
    """Subscriptions for the rows' lists (default list if none), for the rows the ledger proves
    (consent proof, or a DOI invitation: mail waits for the confirmation). A list someone left
    stays left: existing rows are never changed (ON CONFLICT DO NOTHING)."""
    default = get_settings().signup_default_list
    values = [
        {"subscriber_id": ids[r.email], "list_slug": slug, "active": True, "changed_at": now}
        for r in rows
        if _unconfirmed(existing, r) or r.consent_at is not None
        for slug in (r.lists or [default])
    ]
    if not values:
        return
    insert = pg_insert if is_postgres(session) else sqlite_insert
    session.execute(insert(membership_t).on_conflict_do_nothing(), values)  # executemany


def _duplicate(row: ImportRow, ctx: BatchContext) -> str | None:
    """The first row of an address wins; later ones are reported with that row's line."""
    first = ctx.seen.first(row.email, row.line)
    return None if first == row.line else f"duplicate: same address as line {first}"


def own_choices(session: Session, ids: list[int]) -> dict[int, set[str]]:
    """Fields each subscriber set themselves (signup form, preference centre), by subscriber."""
    if not ids:
        return {}
    c = ledger_t.c
    stmt = sa.select(c.subscriber_id, c.event, c.detail).where(
        one_of(c.subscriber_id, ids, pg=is_postgres(session)),
        c.event.in_([ConsentEventKind.SIGNUP.value, ConsentEventKind.PREFERENCE_CHANGE.value]),
    )
    chosen: dict[int, set[str]] = {}
    for subscriber_id, event, detail in session.execute(stmt):
        detail = detail or {}
        if "import_source" in detail:
            continue  # the comms team's own earlier import, not the subscriber's choice
        fields = chosen.setdefault(subscriber_id, set())
        if event == ConsentEventKind.SIGNUP.value:
            fields.add("language")
            fields.update(k for k in (detail.get("profile") or {}))
            fields.update({"topics"} if detail.get("topics") else set())
        else:
            fields.update(k for k in detail if k not in ("joined", "left", "tracking_consent"))
    return chosen


def _refusal(
    row: ImportRow, suppressed: bool, current: dict[str, Any] | None, ctx: BatchContext
) -> str | None:
    """Why a row may not be imported, or None."""
    if suppressed:
        return "suppressed"
    if current is not None and current["status"] in REFUSED_STATUS:
        return REFUSED_STATUS[current["status"]]
    confirmed = current is not None and current["status"] == SubscriberStatus.CONFIRMED
    if row.consent_at is None and not confirmed and not ctx.can_invite:
        return "no consent proof: add consent_date and consent_source, or send invitations"
    return None


def _unconfirmed(existing: dict[str, dict[str, Any]], row: ImportRow) -> bool:
    current = existing.get(row.email)
    return current is None or current["status"] == SubscriberStatus.UNCONFIRMED


def _suppressed(session: Session, hashes: set[str]) -> set[str]:
    if not hashes:
        return set()
    column = suppression_t.c.email_hash
    stmt = sa.select(column).where(one_of(column, sorted(hashes), pg=is_postgres(session)))
    return set(session.execute(stmt).scalars())


def _existing(session: Session, emails: list[str]) -> dict[str, dict[str, Any]]:
    """Known subscribers of the batch by address."""
    if not emails:
        return {}
    c = subscriber_t.c
    stmt = sa.select(c.id, c.email, c.status, c.attributes, c.name, c.language).where(
        one_of(c.email, emails, pg=is_postgres(session))
    )
    return {r.email: dict(r._mapping) for r in session.execute(stmt)}


def _insert(
    session: Session, rows: list[ImportRow], hashes: dict[str, str], ctx: BatchContext
) -> dict[str, int]:
    """Multi-row INSERT ... RETURNING id for new people."""
    if not rows:
        return {}
    values = [
        {
            "email": r.email,
            "email_hash": hashes[r.email],
            "name": r.name,
            "language": r.language or "en",
            "attributes": r.attributes,
            "tracking_consent": False,  # tracking needs its own consent (TDDDG), never imported
            "status": SubscriberStatus.CONFIRMED if r.consent_at else SubscriberStatus.UNCONFIRMED,
            "created_at": ctx.now,
            "confirmed_at": ctx.now if r.consent_at else None,
            "unsubscribed_at": None,
        }
        for r in rows
    ]
    if is_postgres(session):
        columns = list(values[0])
        copy_rows(session, subscriber_t, columns, ([v[c] for c in columns] for v in values))
        c = subscriber_t.c
        found = sa.select(c.id, c.email).where(one_of(c.email, [r.email for r in rows], pg=True))
        return {email: id_ for id_, email in session.execute(found)}
    stmt = sa.insert(subscriber_t).returning(
        subscriber_t.c.id, subscriber_t.c.email, sort_by_parameter_order=True
    )
    return {email: id_ for id_, email in session.execute(stmt, values)}


def _update_params(
    r: ImportRow,
    cur: dict[str, Any],
    chosen: dict[int, set[str]],
    ctx: BatchContext,
    out: BatchOutcome,
) -> dict[str, Any] | None:
    """The UPDATE parameters for a known subscriber, or None when nothing would change.

    Merges attributes and fills name/language, confirms with proof; a value the subscriber
    chose themselves (language, topics, profile fields) stays unless the import overwrites.
    """
    own = set() if ctx.overwrite else chosen.get(cur["id"], set())
    attributes = dict(cur["attributes"] or {})
    kept = False
    for key, value in r.attributes.items():
        if key in own and key in attributes and attributes[key] != value:
            kept = True
            continue
        attributes[key] = value
    language = r.language or cur["language"]
    if "language" in own and language != cur["language"]:
        language, kept = cur["language"], True
    out.kept += kept
    confirm = r.consent_at is not None and cur["status"] == SubscriberStatus.UNCONFIRMED
    params = {
        "b_id": cur["id"],
        "b_name": r.name or cur["name"],
        "b_language": language,
        "b_attributes": attributes,
        "b_status": SubscriberStatus.CONFIRMED if confirm else cur["status"],
    }
    same = (params["b_name"], language, attributes, params["b_status"]) == (
        cur["name"], cur["language"], cur["attributes"] or {}, cur["status"]
    )  # fmt: skip
    return None if same else params


def _update(session: Session, params: list[dict[str, Any]]) -> None:
    """executemany UPDATE of the subscribers whose row changes."""
    if not params:
        return
    c = subscriber_t.c
    stmt = (
        sa.update(subscriber_t)
        .where(c.id == sa.bindparam("b_id"))
        .values(
            name=sa.bindparam("b_name"),
            language=sa.bindparam("b_language"),
            attributes=sa.bindparam("b_attributes", type_=c.attributes.type),
            status=sa.bindparam("b_status"),
        )
    )
    session.connection().execute(stmt, params)


def _ledger(
    session: Session,
    rows: list[ImportRow],
    ids: dict[str, int],
    existing: dict[str, dict[str, Any]],
    ctx: BatchContext,
    out: BatchOutcome,
) -> None:
    """Proof rows become 'confirm' entries; the rest of the unconfirmed get a DOI 'signup'."""
    settings = get_settings()
    entries: list[dict[str, Any]] = []
    for r in rows:
        if not _unconfirmed(existing, r):
            continue  # already confirmed: a profile update is not a consent event
        detail = {"import_source": ctx.source, "line": r.line, "recorded_at": ctx.now.isoformat(),
                  "lists": r.lists or [settings.signup_default_list]}  # fmt: skip
        if r.consent_at is not None:
            detail["lawful_basis"] = "consent"  # consent_date + consent_source: the stated basis
        base = {
            "subscriber_id": ids[r.email],
            "ip": None,
            "channel": None,
            "detail": detail,
            "privacy_notice_version": settings.privacy_notice_version,
        }
        if r.consent_at is not None:
            out.confirmed += 1
            entries.append(
                base
                | {
                    "event": ConsentEventKind.CONFIRM.value,
                    "occurred_at": r.consent_at,
                    "source": r.consent_source,
                    "consent_text": r.consent_text,
                    "consent_version": "",
                    "doi_sent_at": None,
                    "template_version": None,
                }
            )
        else:
            language = r.language or existing.get(r.email, {}).get("language") or "en"
            out.invitations.append((ids[r.email], r.email, language))
            entries.append(
                base
                | {
                    "event": ConsentEventKind.SIGNUP.value,
                    "occurred_at": ctx.now,
                    "source": ctx.source,
                    "consent_version": settings.consent_version,
                    "consent_text": consent_text(settings.consent_version, language),
                    "doi_sent_at": ctx.now,
                    "template_version": DOI_TEMPLATE_VERSION,
                }
            )
    if entries and is_postgres(session):
        columns = list(entries[0])
        copy_rows(session, ledger_t, columns, ([e[c] for c in columns] for e in entries))
    elif entries:
        session.execute(sa.insert(ledger_t), entries)

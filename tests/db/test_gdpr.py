"""GDPR export walks every foreign key to subscriber; erasure leaves only the keyed hash."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from service.audience.gdpr import erase_subscriber, export_subscriber, personal_edges
from service.audience.importer import import_file
from service.audience.suppression import is_suppressed
from service.audience.withdrawal import leave_list
from service.models import (
    Campaign,
    ConsentEvent,
    Delivery,
    ListSubscription,
    Subscriber,
    Suppression,
    TrackingEvent,
    WithdrawalChannel,
)
from tests.db.public_helpers import add_campaign, add_subscriber

ADDRESS = "Erika.Mustermann@Example.org"


def _person_with_history(session: Session) -> tuple[Subscriber, Campaign]:
    """A subscriber with a ledger row, a list exit, a delivery and tracking events."""
    sub = add_subscriber(session, ADDRESS.lower(), language="de", lists=["ecr"])
    campaign = add_campaign(session, "ecr")
    leave_list(
        session,
        subscriber=sub,
        list_slug="ecr",
        channel=WithdrawalChannel.LINK,
        ip="203.0.113.7",
        source="test",
    )
    session.add(
        Delivery(
            campaign_id=campaign.id,
            subscriber_id=sub.id,
            edition_key="de",
            message_id="<m1@news.example.org>",
        )
    )
    session.add(
        TrackingEvent(
            campaign_id=campaign.id,
            subscriber_id=sub.id,
            kind="click",
            ip="203.0.113.7",
            user_agent="Firefox",
        )
    )
    session.commit()
    return sub, campaign


@pytest.fixture
def extra_tables(session: Session) -> Iterator[tuple[sa.Table, sa.Table]]:
    """Two tables added 'later': one references subscriber, one references the first."""
    meta = SQLModel.metadata
    inquiry = sa.Table(
        "zz_inquiry",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subscriber_id", sa.ForeignKey("subscriber.id"), nullable=False),
        sa.Column("body", sa.Text),
    )
    reply = sa.Table(
        "zz_reply",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("inquiry_id", sa.ForeignKey("zz_inquiry.id"), nullable=False),
        sa.Column("body", sa.Text),
    )
    bind = session.get_bind()
    inquiry.create(bind)
    reply.create(bind)
    try:
        yield inquiry, reply
    finally:
        session.rollback()
        reply.drop(bind)
        inquiry.drop(bind)
        meta.remove(reply)
        meta.remove(inquiry)


def test_every_table_referencing_subscriber_is_walked() -> None:
    """The schema's FKs: each table with a path to subscriber is an export/erasure edge."""
    walked = {e.child.name for e in personal_edges()}
    direct = {
        t.name
        for t in SQLModel.metadata.sorted_tables
        for fk in t.foreign_keys
        if fk.column.table.name == "subscriber"
    }
    assert direct <= walked
    assert {"consent_event", "delivery", "tracking_event", "list_subscription"} <= walked


def test_D6_export_contains_everything_including_new_tables(
    session: Session, extra_tables: tuple[sa.Table, sa.Table]
) -> None:
    """Profile, subscriptions, ledger, deliveries, events and tables added later (2 levels)."""
    sub, _ = _person_with_history(session)
    inquiry, reply = extra_tables
    session.execute(sa.insert(inquiry).values(id=1, subscriber_id=sub.id, body="Question?"))
    session.execute(sa.insert(reply).values(id=1, inquiry_id=1, body="Answer."))
    session.commit()
    data = export_subscriber(session, email=ADDRESS)
    tables = data["tables"]
    assert tables["subscriber"][0]["email"] == ADDRESS.lower()
    for name in ("consent_event", "list_subscription", "delivery", "tracking_event"):
        assert len(tables[name]) == 1, name
    assert tables["zz_inquiry"][0]["body"] == "Question?"
    assert tables["zz_reply"][0]["body"] == "Answer."
    json.dumps(data)  # JSON-ready


def test_erasure_deletes_new_tables_too(
    session: Session, extra_tables: tuple[sa.Table, sa.Table]
) -> None:
    """A table added later is erased without changing the erasure code."""
    sub, _ = _person_with_history(session)
    inquiry, reply = extra_tables
    session.execute(sa.insert(inquiry).values(id=1, subscriber_id=sub.id, body="Question?"))
    session.execute(sa.insert(reply).values(id=1, inquiry_id=1, body="Answer."))
    session.commit()
    counts = erase_subscriber(session, subscriber_id=sub.id)
    session.commit()
    assert counts["zz_inquiry"] == 1 and counts["zz_reply"] == 1
    assert session.execute(sa.select(sa.func.count()).select_from(reply)).scalar_one() == 0


def test_D7_erasure_keeps_only_the_hash_and_refuses_reimport(
    session: Session, tmp_path: Path
) -> None:
    """Rows gone, events unlinked and scrubbed, hash suppressed; import refuses every variant."""
    _person_with_history(session)
    erase_subscriber(session, email=ADDRESS.upper())
    session.commit()
    for model in (Subscriber, ConsentEvent, Delivery, ListSubscription):
        assert session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one() == 0
    event = session.exec(select(TrackingEvent)).one()
    assert (event.subscriber_id, event.ip, event.user_agent, event.kind) == (
        None,
        None,
        "",
        "click",
    )
    assert session.exec(select(Suppression)).one().reason == "erased"
    assert is_suppressed(session, email=ADDRESS.swapcase())
    source = tmp_path / "again.csv"
    variants = [ADDRESS, ADDRESS.lower(), ADDRESS.upper()]
    rows = "".join(f"{v},2025-01-01,old list\n" for v in variants)
    source.write_text("email,consent_date,consent_source\n" + rows, encoding="utf-8")
    result = import_file(session, path=source)
    assert result.reasons["suppressed"] == 3 and result.created == 0
    if session.get_bind().dialect.name == "postgresql":
        _assert_dump_is_clean(session)


def _assert_dump_is_clean(session: Session) -> None:
    """pg_dump of the database holds neither the address nor its case variants."""
    url = make_url(str(session.get_bind().url))
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "--schema=public",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database or "",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "COPY public.subscriber" in dump  # the dump really covers our tables
    for variant in (ADDRESS, ADDRESS.lower(), ADDRESS.upper()):
        assert variant not in dump
    assert "mustermann" not in dump.lower()

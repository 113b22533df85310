"""Outgoing webhooks are queued for bounces, inquiries and unsubscribes (issue 6)."""

from __future__ import annotations

from sqlmodel import Session, select

from service import webhooks
from service.inbound.acting.processing import process_inbound
from service.models import ConsentEvent, WebhookDelivery
from tests.db.inbound_fixtures import (
    BOUNCE_DOMAIN,
    REPLY_DOMAIN,
    TestTokenDecoder,
    dsn,
    reply,
    store,
    world,
)

DECODER = TestTokenDecoder()


def _queued(session: Session) -> list[tuple[str, dict]]:
    session.expire_all()
    rows = session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id))
    return [(r.event_type, r.payload) for r in rows]


def _endpoint(session: Session) -> None:
    webhooks.add_endpoint(session, url="http://127.0.0.1:9/hook", secret="s" * 32)
    session.commit()


def _process(session: Session, raw: bytes, to: str) -> None:
    process_inbound(session, message_id=store(session, raw, to=[to]), decoder=DECODER)
    session.commit()


def test_a_hard_bounce_is_announced_with_ids_only(session: Session) -> None:
    _endpoint(session)
    sub, *_ = world(session)
    verp = f"bounces+c1s{sub.id}@{BOUNCE_DOMAIN}"
    _process(session, dsn(sub.email, "5.1.1", "550 5.1.1 User unknown", verp), verp)
    ((kind, payload),) = _queued(session)
    assert (kind, payload["bounce_type"], payload["action"]) == ("bounced", "hard", "suppressed")
    assert "@" not in str(payload)  # ids, never addresses


def test_a_routed_inquiry_is_announced(session: Session) -> None:
    _endpoint(session)
    sub, _stays, _, ann = world(session)
    to = f"reply+c1s{sub.id}a{ann.id}@{REPLY_DOMAIN}"
    _process(session, reply("Wie bewerbe ich mich?\n\n-- \nAda", to=to), to)
    ((kind, payload),) = _queued(session)
    assert kind == "inquiry_received" and payload["inquiry_id"]


def test_an_unsubscribe_by_reply_is_announced(session: Session) -> None:
    _endpoint(session)
    sub, *_ = world(session)
    to = f"reply+c1s{sub.id}@{REPLY_DOMAIN}"
    _process(session, reply("Bitte austragen", to=to), to)
    kinds = [kind for kind, _payload in _queued(session)]
    assert kinds.count("unsubscribed") == 1
    ledger = session.exec(select(ConsentEvent).where(ConsentEvent.subscriber_id == sub.id)).all()
    assert [(e.event, e.channel) for e in ledger] == [("withdrawal", "reply")]  # STANDARDS D3


def test_nothing_is_queued_without_an_endpoint(session: Session) -> None:
    sub, *_ = world(session)
    verp = f"bounces+c1s{sub.id}@{BOUNCE_DOMAIN}"
    raw = dsn(sub.email, "5.1.1", "550 5.1.1 User unknown", verp)
    process_inbound(session, message_id=store(session, raw, to=[verp]), decoder=DECODER)
    session.commit()
    assert _queued(session) == []

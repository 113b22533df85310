"""Mail to List-Unsubscribe's mailto (unsubscribe+TOKEN@reply_domain) leaves that list."""

from __future__ import annotations

from email.message import EmailMessage

from sqlmodel import Session, select

from service.addressing.link_tokens import make_unsubscribe
from service.addressing.mailbox_tokens import MailTokenDecoder
from service.addressing.subaddresses import unsubscribe_mailto_address
from service.inbound.acting.processing import process_inbound
from service.models import ConsentEvent, Inquiry, ListSubscription
from service.settings import get_settings
from tests.db.inbound_fixtures import store
from tests.db.public_helpers import add_campaign, add_subscriber


def _mail(to: str, *, body: str = "", **headers: str) -> bytes:
    """What a client (or Gmail's unsubscribe button) sends to a mailto: with ?subject=."""
    msg = EmailMessage()
    msg["From"] = "a@x.org"
    msg["To"] = to
    msg["Subject"] = "unsubscribe"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def _run(session: Session, raw: bytes, to: str):
    outcome = process_inbound(
        session, message_id=store(session, raw, to=[to]), decoder=MailTokenDecoder()
    )
    session.commit()
    session.expire_all()
    return outcome


def _active(session: Session, sub_id: int, slug: str) -> bool:
    row = session.get(ListSubscription, (sub_id, slug))
    return True if row is None else row.active


def test_mail_to_the_unsubscribe_address_leaves_the_campaigns_list(session: Session) -> None:
    sub = add_subscriber(session, "a@x.org")
    campaign = add_campaign(session, "ecr")
    to = unsubscribe_mailto_address(
        make_unsubscribe(sub.id, campaign.id), get_settings().reply_domain
    )
    outcome = _run(session, _mail(to.upper()), to)  # some relays upper-case the local part
    assert (outcome.kind, outcome.action) == ("unsubscribe", "unsubscribed")
    assert not _active(session, sub.id, "ecr") and _active(session, sub.id, "other")
    (event,) = session.exec(select(ConsentEvent)).all()
    assert (event.event, event.channel) == ("withdrawal", "reply")
    assert session.exec(select(Inquiry)).all() == []
    again = _run(session, _mail(to, body="Please remove me"), to)  # idempotent
    assert again.action == "unsubscribed" and len(session.exec(select(ConsentEvent)).all()) == 1


def test_automatic_mail_and_forged_tokens_change_nothing(session: Session) -> None:
    sub = add_subscriber(session, "a@x.org")
    campaign = add_campaign(session, "ecr")
    domain = get_settings().reply_domain
    to = unsubscribe_mailto_address(make_unsubscribe(sub.id, campaign.id), domain)
    vacation = _mail(to, body="I am out of office until Monday.", Auto_Submitted="auto-replied")
    assert _run(session, vacation, to).kind == "autoreply"
    forged = unsubscribe_mailto_address("a" * 40, domain)
    assert _run(session, _mail(forged), forged).action == "unmatched"
    assert _active(session, sub.id, "ecr")
    assert session.exec(select(ConsentEvent)).all() == []

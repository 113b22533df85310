"""Finding 9: an answer token does not let anyone speak for the partnership (SMTP).

Ada asks through her reply+ address; the hand-off reaches the coordinator at the SMTP
capture with its answer+TOKEN@ Reply-To. Mail to that address is relayed to Ada only when it
comes from the coordinator, envelope and From, with a DKIM signature of the coordinator's domain.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from sqlmodel import Session, select

from service.db import get_engine
from service.models import Inquiry, Subscriber
from tests.security.conftest import (
    DkimZone,
    Inbound,
    coordinated_campaign,
    reply_address,
    subscriber,
)

COORD = "stays@partner.example"


def _mail(*, sender: str, to: str, text: str, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Re: your question"
    msg["Message-ID"] = f"<m{n}@{sender.split('@')[1]}>"
    msg.set_content(text)
    return msg.as_bytes()


def _ask(inbound: Inbound) -> tuple[Subscriber, str]:
    """Ada's question goes out as a hand-off; the answer address it carries."""
    with Session(get_engine(), expire_on_commit=False) as s:
        ada = subscriber(s, "ada@uni.example")
        campaign, ann, _ = coordinated_campaign(s, [ada], coordinator_email=COORD)
    to = reply_address(campaign.id, ada.id, ann)  # type: ignore[arg-type]
    inbound.send(
        _mail(sender=ada.email, to=to, text="Any places left in May?", n=0),
        mail_from=ada.email,
        rcpt=to,
    )
    (handoff,) = inbound.capture.captured
    parsed = email.message_from_bytes(handoff.data, policy=email.policy.default)
    return ada, parsed["Reply-To"].addresses[0].addr_spec


def _to_ada(inbound: Inbound) -> list[bytes]:
    return [m.data for m in inbound.capture.captured if m.rcpt_tos == ["ada@uni.example"]]


def test_forged_answers_are_held_and_a_signed_one_is_relayed(
    inbound: Inbound, dkim_zone: DkimZone
) -> None:
    _, answer_to = _ask(inbound)
    forged = [
        ("evil@attacker.example", "evil@attacker.example", False),  # anyone with the token
        (COORD, "evil@attacker.example", False),  # the coordinator's From, someone else's envelope
        (COORD, COORD, False),  # spoofed both ways, but unsigned
        (COORD, COORD, True),  # signed by the attacker's own domain, not partner.example
    ]
    for n, (sender, envelope, signed) in enumerate(forged, start=1):
        raw = _mail(sender=sender, to=answer_to, text="Send your bank details to us", n=n)
        if signed:
            raw = dkim_zone.sign(raw, "attacker.example")
        inbound.send(raw, mail_from=envelope, rcpt=answer_to)
    assert _to_ada(inbound) == []
    with Session(get_engine()) as s:
        assert s.exec(select(Inquiry.state)).one() == "forwarded"
    genuine = dkim_zone.sign(
        _mail(sender=COORD, to=answer_to, text="Yes, two places are left.", n=9), "partner.example"
    )
    inbound.send(genuine, mail_from=COORD, rcpt=answer_to)
    (relayed,) = _to_ada(inbound)
    assert b"two places are left" in relayed
    assert b"bank details" not in relayed


def test_a_blocklisted_subscriber_gets_no_answer(inbound: Inbound, dkim_zone: DkimZone) -> None:
    ada, answer_to = _ask(inbound)
    with Session(get_engine()) as s:
        row = s.get(Subscriber, ada.id)
        assert row is not None
        row.status = "blocklisted"
        s.add(row)
        s.commit()
    genuine = dkim_zone.sign(
        _mail(sender=COORD, to=answer_to, text="Yes, two places are left.", n=9), "partner.example"
    )
    inbound.send(genuine, mail_from=COORD, rcpt=answer_to)
    assert _to_ada(inbound) == []

"""Finding 10: acknowledgements are no backscatter channel (SMTP to the receiver).

Only an authenticated mail from a subscriber we mailed (the reply token's subscriber, envelope
and From) is acknowledged: once per period, with our own subject, DKIM-signed by us.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from sqlmodel import Session

from service.db import get_engine
from service.mail.dkim_keys import write_demo_key
from service.models import Coordinator
from service.settings import reset_settings
from tests.integration.mailcheck import dkim_txt
from tests.security.conftest import (
    DkimZone,
    Inbound,
    coordinated_campaign,
    reply_address,
    subscriber,
)


def _question(sender: str, to: str, subject: str, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<q{n}@{sender.split('@')[1]}>"
    msg.set_content("Is there a place left for a research stay in May?")
    return msg.as_bytes()


@pytest.fixture
def signing(inbound: Inbound, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Our DKIM key for system mail; returns its DNS record."""
    key, record = write_demo_key(tmp_path, selector="nd2026", domain="news.partnership.example.org")
    monkeypatch.setenv("NEWSDESK_DKIM_PRIVATE_KEY_PATH", str(key))
    reset_settings()
    return dkim_txt(record)


def _acks(inbound: Inbound) -> list[EmailMessage]:
    out = []
    for mail in inbound.capture.captured:
        msg = email.message_from_bytes(mail.data, policy=email.policy.default)
        if msg["Auto-Submitted"] == "auto-replied":
            out.append(msg)  # type: ignore[arg-type]
    return out


def test_only_an_authenticated_subscriber_is_acknowledged_once_and_signed(
    inbound: Inbound, dkim_zone: DkimZone, signing: bytes
) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        ada = subscriber(s, "ada@uni.example")
        campaign, ann, coord_id = coordinated_campaign(
            s, [ada], coordinator_email="c@partner.example"
        )
        coordinator = s.get(Coordinator, coord_id)
        assert coordinator is not None
        coordinator.send_acknowledgement = True
        s.add(coordinator)
        s.commit()
    to = reply_address(campaign.id, ada.id, ann)  # type: ignore[arg-type]
    spam = "BUY CHEAP PILLS at pills.example"
    # a stranger using Ada's reply address, and Ada's own address forged without a signature
    inbound.send(
        _question("victim@elsewhere.example", to, spam, 1),
        mail_from="victim@elsewhere.example",
        rcpt=to,
    )
    inbound.send(_question(ada.email, to, spam, 2), mail_from=ada.email, rcpt=to)
    assert _acks(inbound) == []
    for n in (3, 4):  # Ada, signed by her domain, twice within the period
        raw = dkim_zone.sign(_question(ada.email, to, spam, n), "uni.example")
        inbound.send(raw, mail_from=ada.email, rcpt=to)
    (ack,) = _acks(inbound)
    assert ack["To"].addresses[0].addr_spec == ada.email
    assert "PILLS" not in str(ack["Subject"])
    raw_ack = next(m.data for m in inbound.capture.captured if b"auto-replied" in m.data)
    assert dkim.verify(raw_ack, dnsfunc=lambda name, timeout=5: signing)

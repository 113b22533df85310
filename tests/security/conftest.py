"""Attack harness: PostgreSQL, the real inbound SMTP receiver, a real SMTP capture for our mail.

The receiver's after_stored hook runs the body of the `newsdesk.process_inbound` Celery task in
the receiver's process before the 250, so every attack's effects are in the database (and any
mail we sent is at the capture) when smtplib returns; the worker-level routing of that task to
its own queue is shown by test_inbound_queue.py with real worker processes.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from service.addressing.tokens import codec
from service.db import get_engine
from service.demo.capture import MailCapture, free_port
from service.inbound.intake.smtp_receiver import InboundHandler, make_controller
from service.models import (
    Campaign,
    Delivery,
    DeliveryStatus,
    Subscriber,
    SubscriberStatus,
    Suppression,
)
from service.models._common import utcnow
from service.settings import get_settings, reset_settings
from tests.conftest import _fresh_schema, postgres_url
from tests.support.audience import hold_lists

BOUNCE_DOMAIN = "bounces.news.partnership.example.org"
REPLY_DOMAIN = "reply.news.partnership.example.org"


@dataclass
class Inbound:
    """Handles on the receiver and the capture."""

    port: int
    capture: MailCapture

    def send(self, raw: bytes, *, mail_from: str, rcpt: str) -> None:
        """Deliver one message to the receiver as a remote MTA would."""
        with smtplib.SMTP("127.0.0.1", self.port) as client:
            assert client.sendmail(mail_from, [rcpt], raw) == {}


def _process(message_id: int) -> None:
    """What the worker runs for `newsdesk.process_inbound` (its task body, in this process)."""
    from workers.tasks.inbound import process_inbound_message

    process_inbound_message(message_id)


@pytest.fixture
def pg(configured: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh PostgreSQL schema wired into settings."""
    url = postgres_url()
    _fresh_schema(url)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", url)
    reset_settings()
    from service.db import reset_engine

    reset_engine()
    return url


@pytest.fixture
def inbound(pg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbound]:
    """The real receiver on a free port; mail we send goes to a real SMTP capture."""
    with MailCapture(tmp_path / "captured") as capture:
        monkeypatch.setenv("NEWSDESK_SMTP_URL", f"smtp://127.0.0.1:{capture.port}")
        reset_settings()
        port = free_port()
        controller = make_controller(
            handler=InboundHandler(after_stored=_process), hostname="127.0.0.1", port=port
        )
        controller.start()
        try:
            yield Inbound(port, capture)
        finally:
            controller.stop()


def subscriber(session: Session, email: str, **fields: object) -> Subscriber:
    """A confirmed subscriber."""
    sub = Subscriber(
        email=email, email_hash=f"h-{email}", status=SubscriberStatus.CONFIRMED, **fields
    )
    session.add(sub)
    hold_lists(session, [sub])
    session.commit()
    return sub


def sent_campaign(session: Session, recipients: list[Subscriber], **fields: object) -> Campaign:
    """A campaign that delivered one message to each recipient (Message-ID <d{id}@news...>)."""
    campaign = Campaign(
        name="March news",
        subject_en="March news",
        subject_de="Neuigkeiten",
        status=fields.pop("status", "sent"),
        started_at=utcnow() - timedelta(hours=1),
        **fields,
    )
    session.add(campaign)
    session.flush()
    for sub in recipients:
        session.add(
            Delivery(
                campaign_id=campaign.id,
                subscriber_id=sub.id,
                edition_key="en",
                status=DeliveryStatus.SENT,
                message_id=f"<c{campaign.id}s{sub.id}@news.partnership.example.org>",
                sent_at=utcnow() - timedelta(minutes=30),
            )
        )
    session.commit()
    return campaign


def verp(campaign_id: int, subscriber_id: int) -> str:
    """Our genuine VERP return path for that delivery."""
    return f"bounces+{codec().verp(campaign_id, subscriber_id)}@{get_settings().bounce_domain}"


def count(model: type, *where: object) -> int:
    """Rows of a table (optionally filtered), read in a fresh session."""
    with Session(get_engine()) as s:
        stmt = select(sa.func.count()).select_from(model)
        for cond in where:
            stmt = stmt.where(cond)  # type: ignore[arg-type]
        return int(s.exec(stmt).one())


def status_of(subscriber_id: int) -> str:
    """A subscriber's status, read afresh."""
    with Session(get_engine()) as s:
        sub = s.get(Subscriber, subscriber_id)
        assert sub is not None
        return sub.status


def suppressions() -> int:
    """How many addresses are suppressed."""
    return count(Suppression)


FBL_DOMAIN = "fbl.isp.example"


class DkimZone:
    """Keys of remote domains published in a test 'DNS' that authentication.py reads."""

    def __init__(self) -> None:
        self.records: dict[bytes, bytes] = {}
        self.keys: dict[str, bytes] = {}

    def lookup(self, name: bytes, timeout: int = 5) -> bytes | None:
        """dkimpy's dnsfunc."""
        return self.records.get(name)

    def sign(self, raw: bytes, domain: str) -> bytes:
        """raw with a DKIM signature of `domain` (selector `s1`) prepended."""
        import dkim

        if domain not in self.keys:
            self._publish(domain)
        headers = [b"from", b"to", b"subject", b"message-id"]
        sig = dkim.sign(raw, b"s1", domain.encode(), self.keys[domain], include_headers=headers)
        return bytes(sig) + raw

    def _publish(self, domain: str) -> None:
        import base64

        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys[domain] = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.records[f"s1._domainkey.{domain}.".encode()] = b"v=DKIM1; k=rsa; p=" + (
            base64.b64encode(public)
        )


@pytest.fixture
def dkim_zone(inbound: Inbound, monkeypatch: pytest.MonkeyPatch) -> DkimZone:
    """A DNS of DKIM keys for remote domains, read by the receiver's processing."""
    from service.inbound.reading import authentication

    zone = DkimZone()
    monkeypatch.setattr(authentication, "txt_lookup", zone.lookup)
    return zone


@pytest.fixture
def fbl_signer(dkim_zone: DkimZone, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A feedback-loop provider: configured FBL domain, its DKIM key published."""
    monkeypatch.setattr(get_settings(), "fbl_domains", [FBL_DOMAIN])
    return lambda raw: dkim_zone.sign(raw, FBL_DOMAIN)


def coordinated_campaign(
    session: Session, recipients: list[Subscriber], *, coordinator_email: str
) -> tuple[Campaign, int, int]:
    """A sent campaign with one announcement owned by a coordinator: (campaign, ann, coord)."""
    from service.models import Announcement, Coordinator

    coord = Coordinator(name="Research stays", email=coordinator_email)
    session.add(coord)
    session.flush()
    ann = Announcement(
        slug="research-stays",
        title_en="Research stays in Chicago",
        title_de="Forschungsaufenthalte in Chicago",
        coordinator_id=coord.id,
    )
    session.add(ann)
    session.commit()
    campaign = sent_campaign(session, recipients)
    assert ann.id is not None and coord.id is not None
    return campaign, ann.id, coord.id


def reply_address(campaign_id: int, subscriber_id: int, announcement_id: int) -> str:
    """The reply+ address of that announcement in that subscriber's copy."""
    token = codec().reply(campaign_id, subscriber_id, announcement_id)
    return f"reply+{token}@{get_settings().reply_domain}"

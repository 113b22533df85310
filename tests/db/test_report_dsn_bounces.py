"""Hard bounces in the campaign report: refused at SMTP time and DSNs matched later, once each."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.app import create_app
from service.inbound.acting.processing import process_inbound
from service.models import Delivery, Subscriber
from service.reports.campaign import campaign_report
from tests.db.inbound_fixtures import BOUNCE_DOMAIN, TestTokenDecoder, dsn, store
from tests.tracking_data import sent_campaign


def _bounce_later(session: Session, *, campaign_id: int, subscriber_id: int, status: str) -> str:
    """A DSN for one accepted delivery, through inbound processing as the receiver runs it."""
    sub = session.get(Subscriber, subscriber_id)
    assert sub is not None
    verp = f"bounces+c{campaign_id}s{subscriber_id}@{BOUNCE_DOMAIN}"
    raw = dsn(sub.email, status, f"{status[0]}50 {status} gone", verp)
    message_id = store(session, raw, to=[verp])
    outcome = process_inbound(session, message_id=message_id, decoder=TestTokenDecoder())
    session.commit()
    return outcome.action


def test_smtp_time_and_later_dsn_bounces_both_count_once(session: Session) -> None:
    data = sent_campaign(session, subscribers=4)
    cid = data.campaign_id
    refused, returned, soft, _delivered = data.subscribers
    d = Delivery.__table__.c  # type: ignore[attr-defined]
    session.execute(
        sa.update(Delivery.__table__)  # type: ignore[arg-type]
        .where(d.subscriber_id == refused)
        .values(status="failed", last_error="550 5.1.1 unknown user")
    )
    session.commit()
    assert _bounce_later(session, campaign_id=cid, subscriber_id=returned, status="5.1.1") == (
        "suppressed"
    )
    # the same address bounces again, and the SMTP-refused one gets a DSN too: no double count
    _bounce_later(session, campaign_id=cid, subscriber_id=returned, status="5.1.1")
    _bounce_later(session, campaign_id=cid, subscriber_id=refused, status="5.1.1")
    _bounce_later(session, campaign_id=cid, subscriber_id=soft, status="4.2.2")  # mailbox full
    t = campaign_report(session, campaign_id=cid).total
    assert (t.sent, t.delivered, t.hard_bounces, t.soft_bounces) == (4, 2, 2, 0)
    rows = TestClient(create_app()).get(f"/reports/campaigns/{cid}.csv").text
    figure = {
        (r["scope"], r["metric"]): r["value"]
        for r in csv.DictReader(io.StringIO(rows))
        if not r["announcement"]
    }
    assert (figure[("campaign", "hard_bounces")], figure[("campaign", "delivered")]) == ("2", "2")

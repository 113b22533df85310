"""Issue 15, open gap: SPF of a coordinator's answer is evaluated by us, through the real SMTP
receiver, against a real (loopback) DNS server, when no trusted Authentication-Results header
is there; it counts beside DKIM in the trust decision.

The receiver sees the test's SMTP client at 127.0.0.1: partner.example's SPF record allowing
that address makes an unsigned answer with the coordinator's envelope trusted; a record that
does not allow it (or a trusted header of our MTA saying spf=fail) keeps it held.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from service.db import get_engine
from service.models import InboundMessage
from service.settings import reset_settings
from tests.security.conftest import Inbound
from tests.security.test_answer_relay import COORD, _ask, _mail, _to_ada
from tests.support.dns_zone import Zone, dns_server


@pytest.fixture
def zone(inbound: Inbound, monkeypatch: pytest.MonkeyPatch) -> Iterator[Zone]:
    """partner.example's DNS on loopback; every lookup of the processing goes there."""
    served = Zone()
    with dns_server(served) as port:
        monkeypatch.setenv("NEWSDESK_DNS_NAMESERVERS", '["127.0.0.1"]')
        monkeypatch.setenv("NEWSDESK_DNS_PORT", str(port))
        monkeypatch.setenv("NEWSDESK_DNS_TIMEOUT_S", "2")
        reset_settings()
        yield served
    reset_settings()


def _last_answer() -> InboundMessage:
    with Session(get_engine()) as s:
        return s.exec(select(InboundMessage).order_by(InboundMessage.id.desc())).first()  # type: ignore[union-attr,return-value]


def test_unsigned_answer_passing_our_spf_check_is_relayed(inbound: Inbound, zone: Zone) -> None:
    zone.add("partner.example", "TXT", "v=spf1 ip4:192.0.2.0/24 a:relay.partner.example -all")
    zone.add("relay.partner.example", "A", "127.0.0.1")
    _, answer_to = _ask(inbound)
    raw = _mail(sender=COORD, to=answer_to, text="Yes, two places are left.", n=7)
    inbound.send(raw, mail_from=COORD, rcpt=answer_to)
    (relayed,) = _to_ada(inbound)
    assert b"two places are left" in relayed
    row = _last_answer()
    assert row.client_ip == "127.0.0.1" and row.client_helo  # what the receiver saw
    assert ("partner.example", "TXT") in zone.queries  # the decision asked DNS


def test_answer_failing_spf_is_held_with_the_spf_result(inbound: Inbound, zone: Zone) -> None:
    zone.add("partner.example", "TXT", "v=spf1 ip4:192.0.2.0/24 -all")  # not our client
    _, answer_to = _ask(inbound)
    raw = _mail(sender=COORD, to=answer_to, text="Send your bank details to us", n=8)
    inbound.send(raw, mail_from=COORD, rcpt=answer_to)
    assert _to_ada(inbound) == []
    assert "SPF fail for partner.example from 127.0.0.1" in json.dumps(_last_answer().verdict)


def test_a_trusted_results_header_is_believed_instead_of_our_own_spf(
    inbound: Inbound, zone: Zone, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind our own MTA the client we see is the MTA: its header decides, not our check."""
    monkeypatch.setenv("NEWSDESK_TRUSTED_AUTHSERV_IDS", '["mx.partnership.example"]')
    reset_settings()
    zone.add("partner.example", "TXT", "v=spf1 ip4:127.0.0.1 -all")  # would pass here
    _, answer_to = _ask(inbound)
    header = b"Authentication-Results: mx.partnership.example; spf=fail smtp.mailfrom=" + (
        COORD.encode() + b"\r\n"
    )
    raw = header + _mail(sender=COORD, to=answer_to, text="Forged via the MTA", n=9)
    inbound.send(raw, mail_from=COORD, rcpt=answer_to)
    assert _to_ada(inbound) == []


def test_a_subscriber_whose_spf_passes_is_acknowledged_and_a_failing_one_is_not(
    inbound: Inbound, zone: Zone, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    """Finding 10 with our SPF check: an unsigned question from Ada's own server is answered."""
    from service.models import Coordinator
    from tests.security.conftest import coordinated_campaign, reply_address, subscriber

    zone.add("uni.example", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    zone.add("other.example", "TXT", "v=spf1 ip4:192.0.2.1 -all")
    with Session(get_engine(), expire_on_commit=False) as s:
        ada, bo = subscriber(s, "ada@uni.example"), subscriber(s, "bo@other.example")
        campaign, ann, coord_id = coordinated_campaign(s, [ada, bo], coordinator_email=COORD)
        coordinator = s.get(Coordinator, coord_id)
        assert coordinator is not None
        coordinator.send_acknowledgement = True
        s.add(coordinator)
        s.commit()
    for n, who in enumerate((bo, ada)):
        to = reply_address(campaign.id, who.id, ann)  # type: ignore[arg-type]
        raw = _mail(sender=who.email, to=to, text="Any places left in May?", n=20 + n)
        inbound.send(raw, mail_from=who.email, rcpt=to)
    acked = [m.rcpt_tos for m in inbound.capture.captured if b"auto-replied" in m.data]
    assert acked == [["ada@uni.example"]]

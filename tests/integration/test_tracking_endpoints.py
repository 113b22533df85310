"""Open pixel and click redirect against real Redis and real SQLite/PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.addressing.links import personal_tracking, qualified_link_index
from service.addressing.tokens import codec
from service.addressing.urls import PublicUrls
from service.api.app import create_app
from service.api.tracking import GIF
from service.models import TrackingEvent
from service.settings import get_settings, reset_settings
from service.tracking import ingest
from tests.tracking_data import LINKS_DE, LINKS_EN, sent_campaign, tracking_env

__all__ = ["tracking_env"]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _events(session: Session) -> list[TrackingEvent]:
    session.expire_all()
    return list(session.exec(select(TrackingEvent).order_by(TrackingEvent.id)))


def _drain() -> ingest.DrainResult:
    return ingest.drain(get_settings(), budget_s=30)


def _tamper(token: str) -> str:
    """Change one character of a token (still valid base32)."""
    i = len(token) // 2
    return token[:i] + ("a" if token[i] != "a" else "b") + token[i + 1 :]


def test_open_pixel_counts_valid_tokens_only(session: Session, tracking_env: str) -> None:
    data = sent_campaign(session)
    tokens = codec(get_settings())
    sid = data.consenting[0]
    good = tokens.open(data.campaign_id, sid)
    client = TestClient(create_app())
    headers = {"user-agent": BROWSER}
    answers = [
        client.get(f"/t/o/{t}.gif", headers=headers)
        for t in (good, _tamper(good), "x" * 40, tokens.click(data.campaign_id, sid, 0))
    ]
    assert {a.status_code for a in answers} == {200}
    assert {a.content for a in answers} == {GIF}  # the same pixel: no oracle
    assert client.head(f"/t/o/{good}.gif").status_code == 200  # not counted
    assert _drain().stored == 1
    (event,) = _events(session)
    assert (event.kind, event.subscriber_id, event.machine) == ("open", sid, False)
    assert event.edition_key is not None


def test_click_redirects_only_to_registered_links(session: Session, tracking_env: str) -> None:
    data = sent_campaign(session)
    tokens = codec(get_settings())
    sid = data.consenting[0]
    client = TestClient(create_app(), follow_redirects=False)
    qualified = tokens.click(data.campaign_id, sid, qualified_link_index(data.edition_de, 1))
    answer = client.get(f"/t/c/{qualified}", headers={"user-agent": BROWSER})
    assert answer.status_code == 302
    assert answer.headers["location"] == LINKS_DE[1]
    plain = client.get(f"/t/c/{tokens.click(data.campaign_id, sid, 0)}?url=https://evil.example")
    assert plain.status_code == 302
    assert plain.headers["location"] in (LINKS_EN[0], LINKS_DE[0])
    assert "evil" not in plain.headers["location"]
    assert _drain().stored == 2


def test_forged_and_unknown_click_tokens_get_404(session: Session, tracking_env: str) -> None:
    data = sent_campaign(session)
    tokens = codec(get_settings())
    sid = data.consenting[0]
    good = tokens.click(data.campaign_id, sid, 0)
    bad = [
        _tamper(good),
        good.upper()[:-1] + "A",
        good[:-1],
        "https:%2F%2Fevil.example",
        tokens.open(data.campaign_id, sid),  # a token of another kind
        tokens.click(data.campaign_id, sid, 7),  # no such link
        tokens.click(data.campaign_id, sid, qualified_link_index(data.edition_en + 99, 0)),
        tokens.click(data.campaign_id + 50, sid, 0),  # no such campaign
        codec_for_other_secret().click(data.campaign_id, sid, 0),
    ]
    client = TestClient(create_app(), follow_redirects=False)
    answers = [client.get(f"/t/c/{t}") for t in bad]
    assert [a.status_code for a in answers] == [404] * len(bad)
    assert all("location" not in a.headers for a in answers)
    assert len({a.content for a in answers}) == 1
    assert _drain().stored == 0


def codec_for_other_secret():  # type: ignore[no-untyped-def]
    """A codec under another secret: its tokens must not verify here."""
    from service.addressing.tokens import TokenCodec

    return TokenCodec(b"another-secret-entirely-0123456789")


def test_head_and_prefetch_do_not_count_as_human_clicks(
    session: Session, tracking_env: str
) -> None:
    data = sent_campaign(session)
    token = codec(get_settings()).click(data.campaign_id, data.consenting[0], 1)
    client = TestClient(create_app(), follow_redirects=False)
    assert client.head(f"/t/c/{token}").status_code == 302
    prefetch = {"user-agent": BROWSER, "sec-purpose": "prefetch;prerender"}
    assert client.get(f"/t/c/{token}", headers=prefetch).status_code == 302
    assert _drain().stored == 1
    (event,) = _events(session)
    assert (event.machine, event.reason) == (True, "prefetch")


def test_consent_decides_identity_and_off_records_nothing(
    session: Session, tracking_env: str
) -> None:
    data = sent_campaign(session)
    off = sent_campaign(session, tracking="off")
    tokens = codec(get_settings())
    untracked = next(s for s in data.subscribers if s not in data.consenting)
    client = TestClient(create_app())
    hits = [
        (data.campaign_id, untracked),  # token exists (e.g. consent withdrawn since sending)
        (data.campaign_id, data.consenting[0]),
        (off.campaign_id, off.consenting[0]),  # campaign with tracking off
    ]
    for cid, sid in hits:
        client.get(f"/t/o/{tokens.open(cid, sid)}.gif", headers={"user-agent": BROWSER})
    result = _drain()
    assert (result.stored, result.dropped) == (2, 1)
    events = _events(session)
    assert [e.subscriber_id for e in events] == [None, data.consenting[0]]
    assert events[0].ip is None  # nothing personal without consent
    assert not any(e.campaign_id == off.campaign_id for e in events)


def test_D4_mail_without_consent_has_no_pixel_and_original_links(configured: object) -> None:
    urls = PublicUrls(get_settings())
    links = tuple(LINKS_EN)
    common = {"campaign_id": 1, "subscriber_id": 5, "edition_id": 3, "links": links}
    none = personal_tracking(urls, mode="consent", consent=False, **common)  # type: ignore[arg-type]
    off = personal_tracking(urls, mode="off", consent=True, **common)  # type: ignore[arg-type]
    tracked = personal_tracking(urls, mode="consent", consent=True, **common)  # type: ignore[arg-type]
    aggregate = personal_tracking(urls, mode="aggregate", consent=False, **common)  # type: ignore[arg-type]
    assert none.pixel_url is None and none.link_urls == links
    assert off.pixel_url is None and off.link_urls == links
    assert tracked.pixel_url and all("/t/c/" in u for u in tracked.link_urls)
    decoded = codec(get_settings()).decode_click(aggregate.link_urls[0].rsplit("/", 1)[1])
    assert decoded is not None and decoded.subscriber_id == 0


def test_aggregate_tokens_count_without_identity(session: Session, tracking_env: str) -> None:
    data = sent_campaign(session, tracking="aggregate")
    urls = PublicUrls(get_settings())
    mail = personal_tracking(
        urls,
        mode="aggregate",
        consent=False,
        campaign_id=data.campaign_id,
        subscriber_id=data.subscribers[0],
        edition_id=data.edition_de,
        links=LINKS_DE,
    )
    client = TestClient(create_app(), follow_redirects=False)
    answer = client.get(
        mail.link_urls[1].split("127.0.0.1:8000", 1)[1], headers={"user-agent": BROWSER}
    )
    assert (answer.status_code, answer.headers["location"]) == (302, LINKS_DE[1])
    assert mail.pixel_url is not None
    client.get(mail.pixel_url.split("127.0.0.1:8000", 1)[1], headers={"user-agent": BROWSER})
    assert _drain().stored == 2
    events = _events(session)
    assert [(e.kind, e.subscriber_id, e.ip) for e in events] == [
        ("click", None, None),
        ("open", None, None),
    ]
    assert events[0].edition_key == "de-3" and events[0].link_index == 1


def test_without_redis_events_go_straight_to_the_database(
    session: Session, tracking_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = sent_campaign(session)
    monkeypatch.setenv("NEWSDESK_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    reset_settings()
    token = codec(get_settings()).open(data.campaign_id, data.consenting[0])
    answer = TestClient(create_app()).get(f"/t/o/{token}.gif", headers={"user-agent": BROWSER})
    assert answer.content == GIF
    (event,) = _events(session)
    assert event.event_id is not None and event.event_id.startswith("d-")

"""Classification during ingestion: proxy opens, scanner clicks soon after delivery, bursts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.addressing.links import qualified_link_index
from service.addressing.tokens import codec
from service.api.app import create_app
from service.models import TrackingEvent
from service.settings import get_settings
from service.tracking import ingest
from tests.tracking_data import sent_campaign, tracking_env

__all__ = ["tracking_env"]
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _verdicts(session: Session) -> list[tuple[str, bool, str]]:
    session.expire_all()
    rows = session.exec(select(TrackingEvent).order_by(TrackingEvent.id))
    return [(e.kind, e.machine, e.reason) for e in rows]


def test_mpp_open_and_browser_open(session: Session, tracking_env: str) -> None:
    data = sent_campaign(session)
    token = codec(get_settings()).open(data.campaign_id, data.consenting[0])
    client = TestClient(create_app())
    client.get(f"/t/o/{token}.gif", headers={"user-agent": "Mozilla/5.0"})
    client.get(f"/t/o/{token}.gif", headers={"user-agent": FIREFOX})
    ingest.drain(get_settings(), budget_s=30)
    assert _verdicts(session) == [("open", True, "apple_mpp_ua"), ("open", False, "")]


def test_click_seconds_after_delivery_is_a_scanner(session: Session, tracking_env: str) -> None:
    data = sent_campaign(session, sent_ago_s=1)
    sid = data.consenting[0]
    token = codec(get_settings()).click(
        data.campaign_id, sid, qualified_link_index(data.edition_of[sid], 0)
    )
    TestClient(create_app(), follow_redirects=False).get(
        f"/t/c/{token}", headers={"user-agent": FIREFOX}
    )
    ingest.drain(get_settings(), budget_s=30)
    assert _verdicts(session) == [("click", True, "too_soon")]


def test_burst_across_batches_marks_every_click(session: Session, tracking_env: str) -> None:
    """A scanner following all links at once: even the click stored before the burst flips.

    The window is widened so a slow test machine cannot split the burst.
    """
    data = sent_campaign(session)
    sid = data.consenting[0]
    tokens = codec(get_settings())
    client = TestClient(create_app(), follow_redirects=False)
    paths = [
        f"/t/c/{tokens.click(data.campaign_id, sid, qualified_link_index(data.edition_of[sid], n))}"
        for n in (0, 1)
    ]
    client.get(paths[0], headers={"user-agent": FIREFOX})
    ingest.drain(get_settings(), budget_s=30)  # first click stored alone: looks human
    assert _verdicts(session) == [("click", False, "")]
    client.get(paths[1], headers={"user-agent": FIREFOX})
    client.get(paths[0] + "?again", headers={"user-agent": FIREFOX})
    open_token = tokens.open(data.campaign_id, sid)
    client.get(f"/t/o/{open_token}.gif", headers={"user-agent": FIREFOX})
    ingest.drain(
        get_settings().model_copy(update={"burst_links": 2, "burst_window_s": 120}), budget_s=30
    )
    verdicts = _verdicts(session)
    assert verdicts[:3] == [("click", True, "burst")] * 3
    assert verdicts[3] == ("open", False, "")

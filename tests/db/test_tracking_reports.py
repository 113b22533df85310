"""Reports on SQLite and PostgreSQL: figures, per-announcement clicks, CSV, HTML page, CLI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from service.api.app import create_app
from service.cli.report import report_app
from service.models import Announcement, Delivery, Subscriber, Suppression, TrackingEvent
from service.reports.campaign import campaign_report
from service.reports.views import to_csv, to_html
from tests.tracking_data import LINKS_EN, sent_campaign

T0 = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def _event(cid: int, sid: int | None, kind: str, **kw: object) -> TrackingEvent:
    values: dict[str, object] = {"edition_key": "en-3", "machine": False, "occurred_at": T0}
    values.update(kw)
    return TrackingEvent(campaign_id=cid, subscriber_id=sid, kind=kind, **values)  # type: ignore[arg-type]


def _scenario(session: Session) -> int:
    """Subscribers a..f; events chosen so every figure has a known value."""
    session.add(Announcement(id=11, slug="mou", title_en="MoU signed"))
    session.add(Announcement(id=12, slug="stays", title_en="Research stays"))
    session.commit()
    data = sent_campaign(session, subscribers=6)
    cid = data.campaign_id
    a, b, c, _d, e, f = data.subscribers
    d_table = Delivery.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(d_table)
        .where(d_table.c.subscriber_id == e)
        .values(status="failed", last_error="550 5.1.1 unknown user")
    )
    session.execute(
        sa.update(d_table)
        .where(d_table.c.subscriber_id == f)
        .values(status="failed", last_error="421 4.7.0 try later")
    )
    later = datetime.now(UTC) + timedelta(minutes=5)
    sub_a = session.get(Subscriber, a)
    assert sub_a is not None
    sub_a.unsubscribed_at = later
    session.add(Suppression(email_hash=sub_a.email_hash, reason="complaint", created_at=later))
    for sid in (a, b, c):
        key = "en-3" if sid in (b, c) else "de-3"
        session.execute(
            sa.update(d_table).where(d_table.c.subscriber_id == sid).values(edition_key=key)
        )
    session.add_all(
        [
            _event(cid, b, "open"),
            _event(cid, b, "open", occurred_at=T0 + timedelta(hours=1)),
            _event(cid, c, "open", occurred_at=T0 + timedelta(hours=1)),
            _event(cid, c, "open", machine=True, reason="apple_mpp"),
            _event(cid, b, "click", link_index=0),
            _event(cid, b, "click", link_index=1),  # second item: same reader, other link
            _event(cid, b, "click", link_index=0),  # repeat click
            _event(cid, c, "click", link_index=0),
            _event(cid, c, "click", link_index=1, machine=True, reason="too_soon"),
            _event(cid, None, "open", edition_key=None),  # aggregate-only open
        ]
    )
    session.commit()
    return cid


def test_figures(session: Session) -> None:
    cid = _scenario(session)
    report = campaign_report(session, campaign_id=cid)
    t = report.total
    assert (t.sent, t.delivered, t.hard_bounces, t.soft_bounces) == (6, 4, 1, 1)
    assert (t.complaints, t.unsubscribes) == (1, 1)
    assert (t.unique_human_opens, t.human_opens, t.machine_opens) == (2, 4, 1)
    assert (t.unique_clicks, t.total_clicks, t.machine_clicks) == (2, 4, 1)
    en = report.editions["en-3"]
    assert (en.unique_human_opens, en.unique_clicks) == (2, 2)
    assert report.announcements == {"MoU signed": (2, 3), "Research stays": (1, 1)}
    first = next(li for li in report.links if li.index == 0)
    assert (first.url, first.unique, first.total) == (LINKS_EN[0], 2, 3)
    assert [(o, c) for _h, o, c in report.series] == [(2, 4), (2, 0)]


def test_replies_are_counted_per_coordinator(session: Session) -> None:
    from service.models import Coordinator, Inquiry

    cid = _scenario(session)
    office = Coordinator(name="Research Stay Coordinator", email="stays@example.edu")
    session.add(office)
    session.flush()
    for campaign, coordinator in (
        (cid, office.id),
        (cid, office.id),
        (cid, None),
        (cid + 1, office.id),
    ):
        session.add(Inquiry(campaign_id=campaign, coordinator_id=coordinator))
    session.commit()
    report = campaign_report(session, campaign_id=cid)
    assert report.replies == {"Research Stay Coordinator": 2, "triage": 1}


def test_csv_html_api_and_cli(session: Session) -> None:
    cid = _scenario(session)
    report = campaign_report(session, campaign_id=cid)
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    figure = {(r["scope"], r["metric"], r["announcement"]): r["value"] for r in rows}
    assert figure[("campaign", "unique_clicks", "Research stays")] == "1"
    assert figure[("campaign", "machine_opens", "")] == "1"
    page = to_html(report)
    assert page.count("<svg") == 2 and "MoU signed" in page
    assert "http" not in page.split("<body>")[1].replace(LINKS_EN[0], "").replace(
        LINKS_EN[1], ""
    ).replace("http://www.w3.org/2000/svg", "")  # no external resources
    client = TestClient(create_app())
    assert client.get(f"/reports/campaigns/{cid}").text.count("<svg") == 2
    answer = client.get(f"/reports/campaigns/{cid}.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert client.get("/reports/campaigns/999999").status_code == 404
    result = CliRunner().invoke(report_app, ["show", str(cid)])
    assert result.exit_code == 0 and "Research stays" in result.output
    missing = CliRunner().invoke(report_app, ["csv", "999999"])
    assert missing.exit_code == 1 and "does not exist" in missing.output

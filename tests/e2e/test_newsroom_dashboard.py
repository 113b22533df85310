"""The dashboard in Chromium: a really sent campaign's figures, live progress, the calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from service.models import Campaign, Coordinator, Inquiry
from service.models._common import utcnow
from service.reports.campaign import campaign_report
from tests.e2e.campaign_data import SentDemo
from tests.e2e.conftest import Account, Newsroom

COLUMNS = ["Delivered", "Human opens", "Clicks", "Bounces", "Complaints", "Unsubscribes", "Replies"]


def test_dashboard_shows_the_sent_campaigns_figures(
    page: Any,
    newsroom: Newsroom,
    sent_campaign: SentDemo,
    live_engine: sa.engine.Engine,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    with Session(live_engine) as session:
        report = campaign_report(session, campaign_id=sent_campaign.campaign_id).total
    assert report.delivered == sent_campaign.messages > 0
    assert report.unique_human_opens == sent_campaign.opened
    assert report.unique_clicks == sent_campaign.clicked
    # list unsubscribes (one-click) count for the campaign as well as leaving everything
    assert report.unsubscribes == sent_campaign.list_unsubscribed + sent_campaign.left_all == 2
    replies = campaign_report(Session(live_engine), campaign_id=sent_campaign.campaign_id).replies
    assert sum(replies.values()) == sent_campaign.replies == 1
    log_in(page, make_user("viewer"))
    row = page.locator(f"tr[data-campaign='{sent_campaign.campaign_id}']")
    cells = row.locator("td").all_inner_texts()[1:]  # after the finished time
    bounces = report.hard_bounces + report.soft_bounces
    expected = [report.delivered, report.unique_human_opens, report.unique_clicks, bounces,
                report.complaints, report.unsubscribes, sent_campaign.replies]  # fmt: skip
    assert cells == [str(n) for n in expected]
    headers = page.locator("table.figures-table").first.locator("thead th").all_inner_texts()
    assert headers[2:] == COLUMNS
    (coordinator,) = replies  # the reply waits in its coordinator's inbox
    waiting = page.get_by_role("row", name=coordinator)
    assert waiting.locator("td").inner_text() == "1"


def test_running_campaign_progress_updates_without_reloading(
    page: Any,
    newsroom: Newsroom,
    sent_campaign: SentDemo,
    live_engine: sa.engine.Engine,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    log_in(page, make_user("editor"))
    assert page.get_by_text("No campaign is being sent right now.").is_visible()
    with Session(live_engine) as session:  # flip the sent campaign back for a moment
        session.execute(
            sa.update(Campaign)
            .where(Campaign.id == sent_campaign.campaign_id)
            .values(status="sending")
        )
        session.commit()
    try:
        page.wait_for_selector("#running progress", timeout=8000)  # htmx polls every 3 s
        text = page.locator("#running").inner_text()
        assert f"{sent_campaign.messages} of {sent_campaign.messages} done" in text
    finally:
        with Session(live_engine) as session:
            session.execute(
                sa.update(Campaign)
                .where(Campaign.id == sent_campaign.campaign_id)
                .values(status="sent")
            )
            session.commit()


def test_scheduled_campaigns_appear_on_the_month_and_week_calendar(
    page: Any,
    newsroom: Newsroom,
    seed: Session,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    when = utcnow() + timedelta(days=2)
    seed.add(
        Campaign(
            name="Lung conference call",
            subject_en="s",
            subject_de="s",
            status="scheduled",
            send_at=when,
        )
    )
    seed.commit()
    log_in(page, make_user("approver"))
    day = when.date().isoformat()
    page.goto(newsroom.url(f"/newsroom/?view=month&day={day}"))
    assert page.locator(".calendar-month .event", has_text="Lung conference call").count() == 1
    page.get_by_role("link", name="Week").click()
    assert "view=week" in page.url
    assert page.locator(".calendar-week .event", has_text="Lung conference call").count() == 1
    assert page.locator(".calendar-week tbody td").count() == 7


def test_a_coordinator_sees_only_their_own_waiting_inquiries(
    page: Any,
    browser: Any,
    newsroom: Newsroom,
    sent_campaign: SentDemo,
    live_engine: sa.engine.Engine,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    with Session(live_engine) as session:
        routed = session.exec(select(Inquiry.coordinator_id)).one()
        mine = session.get(Coordinator, routed)
        other = session.exec(select(Coordinator).where(Coordinator.id != routed)).first()
    assert mine is not None and other is not None
    log_in(page, make_user("coordinator", coordinator_id=mine.id))
    assert page.get_by_role("row", name=mine.name).locator("td").inner_text() == "1"
    assert page.get_by_role("row", name=other.name).count() == 0
    assert page.get_by_role("heading", name="Recently sent").count() == 0  # no report.view
    second = browser.new_context().new_page()
    log_in(second, make_user("coordinator", coordinator_id=other.id))
    assert second.get_by_role("row", name=other.name).locator("td").inner_text() == "0"
    assert second.get_by_role("row", name=mine.name).count() == 0
    second.context.close()

"""The comms team's path in Chromium: write, approve, schedule, send by a real worker, measure.

An editor writes a DE/EN announcement and submits it; an approver approves it; an admin cannot
approve their own (the server refuses); the editor builds a campaign from it; the approver
schedules it with the keyboard only; a real Celery worker process (with beat) sends it to a
real SMTP capture; the campaign page (htmx polling) and the report show the figures. A viewer
is refused every write action by the server, a stale form is refused with a message, and every
page passes axe-core. Screenshots at 1280 and 375 px go to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlmodel import Session, col, select

from service.demo.capture import MailCapture
from service.demo.run import start_worker, stop_worker
from service.mail.dkim_keys import write_demo_key
from service.models import Announcement, Campaign, Subscriber
from tests.conftest import redis_url
from tests.e2e.campaign_data import SentDemo
from tests.e2e.conftest import DESKTOP, PHONE, ROOT, Account, Newsroom
from tests.integration.live_stack import wait_for
from tests.integration.smtp_servers import free_port

SHOTS = ROOT / "docs" / "screenshots"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
TITLE_DE = "Reisestipendien für die Lungenkonferenz"
TITLE_EN = "Travel grants for the lung conference"


@pytest.fixture(scope="module")
def world(sent_campaign: SentDemo) -> SentDemo:
    """The demo world (segments, coordinators, announcements, subscribers), seeded once per
    session by the shared fixture that also sends the demo campaign."""
    return sent_campaign


@pytest.fixture(scope="module")
def worker(newsroom: Newsroom, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailCapture]:
    """A real Celery worker with beat on the newsroom's database and broker, and an SMTP capture."""
    var = tmp_path_factory.mktemp("sender")
    key, _record = write_demo_key(var, selector="nd2026", domain="news.partnership.example.org")
    with MailCapture(var / "maildir") as capture:
        broker = redis_url()
        redis.Redis.from_url(broker).flushdb()  # our own db: no stale tasks of an earlier run
        env = {
            **newsroom.env,
            "NEWSDESK_BROKER_URL": broker,  # the newsroom publishes nothing this test needs
            "NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{capture.port}",
            "NEWSDESK_SCAN_INTERVAL_S": "0.3",
            "NEWSDESK_DKIM_PRIVATE_KEY_PATH": str(key),
        }
        process = start_worker(var, env, concurrency=2)
        try:
            yield capture
        finally:
            stop_worker(process)


@pytest.fixture(scope="module")
def redis_newsroom(
    newsroom: Newsroom, worker: MailCapture, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A second server process on the same database that publishes to the worker's broker
    (Redis): the shared server's embedded filesystem broker is not the worker's."""
    var = tmp_path_factory.mktemp("newsroom-redis")
    port = free_port()
    env = {
        **newsroom.env,
        "NEWSDESK_BROKER_URL": redis_url(),
        "NEWSDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "NEWSDESK_IMPORT_DIR": str(var / "imports"),
        "NEWSDESK_ADMIN_TOKEN": "e2e-admin-token-not-used-0123456789",  # PG + Redis: production
    }
    log = (var / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.api.app:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        cwd=var, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: _up(base), 90, "the second newsroom server")
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


def _up(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _shoot(page: Any, name: str) -> None:
    """At 1280 and 375 px into test-artifacts/; with UPDATE_SCREENSHOTS=1 also docs/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        shot = ARTIFACTS / f"{name}-{label}.png"
        page.screenshot(path=str(shot), full_page=True)
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, SHOTS / shot.name)
    page.set_viewport_size(DESKTOP)


def _csrf(page: Any) -> str:
    return str(page.locator("input[name=csrf_token]").first.get_attribute("value"))


def _write_announcement(page: Any, newsroom: Newsroom, slug: str) -> int:
    page.goto(newsroom.url("/newsroom/announcements/new"))
    page.get_by_label("Title (German)").fill(TITLE_DE)
    page.get_by_label("Title (English)").fill(TITLE_EN)
    page.get_by_label("Text (German, Markdown)").fill("Bewerbungen bis **15. Januar**.")
    page.get_by_label("Text (English, Markdown)").fill("Apply by **15 January**.")
    page.get_by_label("Button text (German)").fill("Zur Bewerbung")
    page.get_by_label("Button text (English)").fill("Apply for a grant")
    page.get_by_label("Link of the button").fill("https://news.partnership.example.org/grants")
    page.get_by_label("Short name").fill(slug)
    page.get_by_label("Everyone").check()
    page.get_by_label("Priority").fill("1")
    return _save_and_id(page)


def _save_and_id(page: Any) -> int:
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/newsroom/announcements/\d+\?done=saved"))
    return int(re.findall(r"/announcements/(\d+)", page.url)[0])


def test_write_approve_schedule_send_and_measure(
    world: SentDemo,
    worker: MailCapture,
    newsroom: Newsroom,
    browser: Any,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any],
    seed: Session,
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    pages = {}
    for who in (editor, approver):
        context = browser.new_context(viewport=DESKTOP, locale="en-GB")
        context.set_default_timeout(15_000)
        pages[who.role] = context.new_page()
        log_in(pages[who.role], who)
    ed, ap = pages["editor"], pages["approver"]

    # The editor writes DE + EN side by side; the live preview renders the real edition.
    announcement_id = _write_announcement(ed, newsroom, "travel-grants-e2e")
    frame = ed.frame_locator("iframe.edition-preview")
    ed.get_by_label("Language", exact=True).select_option("en")
    frame.get_by_role("heading", name=TITLE_EN).wait_for()
    ed.get_by_label("Text (English, Markdown)").fill(
        "Apply by **15 January**. More: [here](https://news.partnership.example.org/x)"
    )
    ed.locator(".findings").get_by_text("link-text").wait_for()  # lint inline, as typed
    ed.get_by_label("Text (English, Markdown)").fill("Apply by **15 January**.")
    _save_and_id(ed)
    ed.frame_locator("iframe.edition-preview").get_by_role("heading", name=TITLE_DE).wait_for()
    axe_check(ed)
    _shoot(ed, "newsroom-announcement-editor")
    ed.get_by_role("button", name="Submit for approval").click()
    ed.get_by_text("Submitted for approval.").wait_for()

    # The approver sees what changed and approves.
    ap.goto(newsroom.url(f"/newsroom/announcements/{announcement_id}"))
    ap.get_by_text("Content to approve (never approved before)").wait_for()
    assert ap.locator("table.diff ins", has_text=TITLE_DE).count() == 1
    axe_check(ap)
    ap.get_by_role("button", name="Approve").click()
    ap.get_by_text("Approved.").wait_for()
    seed.expire_all()
    assert seed.get(Announcement, announcement_id).approval == "approved"  # type: ignore[union-attr]

    # The editor builds a campaign from exactly that announcement; counts come live.
    ed.goto(newsroom.url("/newsroom/campaigns/new"))
    ed.get_by_label("Name").fill("Travel grants E2E")
    ed.get_by_label("Subject (German)").fill("Reisestipendien")
    ed.get_by_label("Subject (English)").fill("Travel grants")
    ed.get_by_label(re.compile(f"^{TITLE_DE}")).check()
    ed.locator("#segments").get_by_label("Everyone").check()
    ed.locator("#counts").get_by_text(re.compile(r"Recipients: \d+")).wait_for()
    ed.get_by_role("button", name="Save campaign").click()
    ed.wait_for_url(re.compile(r"/newsroom/campaigns/\d+\?done=saved"))
    campaign_id = int(re.findall(r"/campaigns/(\d+)", ed.url)[0])
    ed.locator("#counts").get_by_text(re.compile(r"Recipients: \d+")).wait_for()
    total = int(re.findall(r"Recipients: (\d+)", ed.locator("#counts").inner_text())[0])
    assert total > 0
    axe_check(ed)

    # The approver schedules with the keyboard only (now), confirming on the next page.
    ap.goto(newsroom.url(f"/newsroom/campaigns/{campaign_id}"))
    for _ in range(60):
        ap.keyboard.press("Tab")
        if ap.evaluate("document.activeElement.textContent.trim()") == "Schedule…":
            break
    else:
        raise AssertionError("the Schedule button is not reachable with Tab")
    ap.keyboard.press("Enter")
    ap.wait_for_url(re.compile(r"/confirm/schedule"))
    axe_check(ap)
    assert ap.evaluate("document.activeElement.textContent.trim()") == "Yes, schedule it"
    ap.keyboard.press("Enter")
    ap.wait_for_url(re.compile(rf"/newsroom/campaigns/{campaign_id}\?done=schedule"))

    # A real worker sends it; the page follows through htmx polling, without reloading.
    wait_for(lambda: _sent_to(worker) >= total, 90, f"{total} messages")
    ap.locator("[data-figure=sent]", has_text=str(total)).wait_for(timeout=30_000)
    ap.locator("[data-figure=state]", has_text="Sent").wait_for(timeout=30_000)
    ap.locator(".status", has_text="Sent").wait_for()  # the page reloaded itself once sent
    ap.locator("#counts a[target=edition-frame]").first.click()
    ap.frame_locator("iframe[name=edition-frame]").get_by_role("heading", name=TITLE_DE).or_(
        ap.frame_locator("iframe[name=edition-frame]").get_by_role("heading", name=TITLE_EN)
    ).first.wait_for()
    axe_check(ap)
    _shoot(ap, "newsroom-campaign")
    ap.goto(newsroom.url(f"/newsroom/reports/campaigns/{campaign_id}"))
    delivered = ap.locator("tr[data-figure=delivered] td").first.inner_text()
    assert delivered.replace(",", "") == str(total)
    axe_check(ap)
    _shoot(ap, "newsroom-report")
    ap.goto(newsroom.url("/newsroom/reports"))
    ap.locator(f"tr[data-campaign='{campaign_id}']").wait_for()
    axe_check(ap)
    seed.expire_all()
    assert seed.get(Campaign, campaign_id).status == "sent"  # type: ignore[union-attr]


def _sent_to(capture: MailCapture) -> int:
    """Messages of the E2E campaign (either language's subject) the capture accepted."""
    subject = re.compile(rb"^Subject: (Travel grants|Reisestipendien)\r?$", re.M)
    return sum(1 for m in capture.captured if subject.search(m.data))


def test_admin_cannot_approve_own_announcement(
    world: SentDemo, newsroom: Newsroom, page: Any, make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None], axe_check: Callable[[Any], Any], seed: Session,
) -> None:  # fmt: skip
    admin = make_user("admin")
    log_in(page, admin)
    announcement_id = _write_announcement(page, newsroom, "own-work-e2e")
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("Submitted for approval.").wait_for()
    page.get_by_text("Four-eyes rule: you created this announcement").wait_for()
    page.get_by_role("button", name="Approve").click()  # the button is there; the server refuses
    page.get_by_text("Four-eyes rule: you created this announcement").first.wait_for()
    seed.expire_all()
    assert seed.get(Announcement, announcement_id).approval == "submitted"  # type: ignore[union-attr]
    page.goto(newsroom.url("/newsroom/announcements"))
    axe_check(page)


def test_viewer_is_refused_every_write_action(
    world: SentDemo, newsroom: Newsroom, page: Any, make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None], seed: Session,
) -> None:  # fmt: skip
    viewer = make_user("viewer")
    log_in(page, viewer)
    announcement = seed.exec(select(Announcement)).first()
    campaign = seed.exec(select(Campaign)).first()
    assert announcement is not None and campaign is not None
    page.goto(newsroom.url(f"/newsroom/announcements/{announcement.id}"))
    assert page.get_by_role("button", name="Save", exact=True).count() == 0
    token = _csrf(page)
    a, c = announcement.id, campaign.id
    paths = [
        "/newsroom/announcements/new", f"/newsroom/announcements/{a}",
        f"/newsroom/announcements/{a}/submit", f"/newsroom/announcements/{a}/approve",
        f"/newsroom/announcements/{a}/reject", f"/newsroom/announcements/{a}/withdraw",
        "/newsroom/campaigns/new", f"/newsroom/campaigns/{c}", "/newsroom/campaigns/counts",
        f"/newsroom/campaigns/{c}/schedule", f"/newsroom/campaigns/{c}/pause",
        f"/newsroom/campaigns/{c}/cancel", f"/newsroom/campaigns/{c}/test-send",
    ]  # fmt: skip
    for path in paths:
        response = page.request.post(
            newsroom.url(path), form={"csrf_token": token, "version": "1", "title_en": "x"}
        )
        assert response.status == 403, path
    page.goto(newsroom.url(f"/newsroom/campaigns/{c}/confirm/cancel"))
    assert page.get_by_role("button", name="Yes, cancel it").count() == 0


def test_stale_form_is_refused_with_a_message(
    world: SentDemo, newsroom: Newsroom, browser: Any, make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None], seed: Session,
) -> None:  # fmt: skip
    first, second = make_user("editor"), make_user("editor")
    tabs = []
    for who in (first, second):
        context = browser.new_context(viewport=DESKTOP, locale="en-GB")
        tabs.append(context.new_page())
        log_in(tabs[-1], who)
    announcement_id = _write_announcement(tabs[0], newsroom, "stale-e2e")
    tabs[1].goto(newsroom.url(f"/newsroom/announcements/{announcement_id}"))
    tabs[0].get_by_label("Title (English)").fill("First writer's title")
    _save_and_id(tabs[0])
    tabs[1].get_by_label("Title (English)").fill("Second writer's title")
    tabs[1].get_by_role("button", name="Save", exact=True).click()
    tabs[1].get_by_text(f"Someone else changed this meanwhile: {first.display_name}").wait_for()
    assert tabs[1].get_by_label("Title (English)").input_value() == "Second writer's title"
    seed.expire_all()
    assert seed.get(Announcement, announcement_id).title_en == "First writer's title"  # type: ignore[union-attr]


def test_csv_import_runs_on_the_worker_with_progress_and_error_report(
    world: SentDemo, redis_newsroom: str, page: Any, make_user: Callable[..., Account],
    axe_check: Callable[[Any], Any], tmp_path: Path, seed: Session,
) -> None:  # fmt: skip
    admin = make_user("admin")
    page.goto(redis_newsroom + "/newsroom/login")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(redis_newsroom + "/newsroom/")
    rows = ["email,name,language,consent_date,consent_source"]
    rows += [f"import{i}@example.org,Person {i},de,2026-01-02,fair stand" for i in range(300)]
    rows += ["broken@@example.org,Broken,de,2026-01-02,fair stand"]
    csv_file = tmp_path / "fair.csv"
    csv_file.write_text("\n".join(rows) + "\n")
    page.goto(redis_newsroom + "/newsroom/audience/import")
    axe_check(page)
    page.get_by_label("CSV or JSONL file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"/newsroom/audience/import/\d+/map$"))
    assert page.get_by_label("email", exact=True).input_value() == "email"  # guessed by name
    page.get_by_role("button", name="Start the import").click()
    page.wait_for_url(re.compile(r"/newsroom/audience/import/\d+$"))
    page.locator("[data-figure=import-state]", has_text="done").wait_for(timeout=60_000)
    assert page.locator("[data-figure=refused]").inner_text() == "1"
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    assert "broken@@example.org" in Path(download.value.path()).read_text()
    imported = seed.exec(
        select(Subscriber).where(col(Subscriber.email).like("import%@example.org"))
    )
    assert len(imported.all()) == 300

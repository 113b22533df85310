"""Shared Playwright fixtures: one Chromium per session, one live newsroom server, accounts.

The server is a real `uvicorn service.api.app:app` process on a free port, against its own
PostgreSQL database (`<NEWSDESK_TEST_DATABASE_URL's name>_e2e`, migrated once per session, so
the db/ and integration/ tests that reset their database never pull it away mid-run) and
Redis (NEWSDESK_TEST_BROKER_URL) for login throttling. Under CI=true a missing PostgreSQL,
Redis, Playwright or Chromium fails the run (require_service).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from service.accounts.users import create_user
from tests.conftest import TEST_SECRET, postgres_url, redis_url, require_service
from tests.e2e.campaign_data import SentDemo, send_demo_campaign
from tests.e2e.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.integration.smtp_servers import free_port
from tests.support.dns_zone import Zone, dns_server
from tests.support.live import sibling_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, shared by every browser test of the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("playwright", "pip install playwright")
    if not shutil.which(CHROMIUM):
        require_service("chromium", "apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _e2e_database(base_url: str) -> str:
    """A sibling database of the test database, created when missing, emptied and migrated."""
    return sibling_database(base_url, "e2e")


@dataclass
class Newsroom:
    """The live server."""

    base: str
    database_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def url(self, path: str = "/newsroom/") -> str:
        """An absolute URL on the server."""
        return self.base + path


def _clear_login_counts(url: str) -> None:
    """Forget earlier runs' failed logins (our keys only; never FLUSHDB another's data)."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter("newsdesk:login:*"):
        client.delete(key)


@pytest.fixture(scope="session")
def idp() -> Iterator[Provider]:
    """The OpenID provider the newsroom's single sign-on is configured with."""
    with Provider() as provider:
        yield provider


@pytest.fixture(scope="session")
def newsroom_dns() -> Iterator[tuple[Zone, int]]:
    """The DNS the newsroom's checks ask (settings, DNS tab): a zone on loopback, edited live."""
    zone = Zone()
    with dns_server(zone) as port:
        yield zone, port


@pytest.fixture(scope="session")
def newsroom(
    tmp_path_factory: pytest.TempPathFactory, idp: Provider, newsroom_dns: tuple[Zone, int]
) -> Iterator[Newsroom]:
    """One `uvicorn` process serving the app for the whole session."""
    database_url = _e2e_database(postgres_url())
    redis = redis_url()
    _clear_login_counts(redis)
    port = free_port()
    var = tmp_path_factory.mktemp("newsroom")
    env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": database_url,
        "NEWSDESK_REDIS_URL": redis,
        "NEWSDESK_BROKER_DIR": str(var / "broker"),
        "NEWSDESK_SECRET_KEY": TEST_SECRET,
        "NEWSDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "NEWSDESK_LOGIN_MAX_PER_NETWORK": "100000",  # every test logs in from 127.0.0.1
        "NEWSDESK_SCANNER_WINDOW_S": "0",  # tests click right after sending, as no human would
        "NEWSDESK_OIDC_ISSUER": idp.issuer,
        "NEWSDESK_OIDC_CLIENT_ID": CLIENT_ID,
        "NEWSDESK_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "NEWSDESK_OIDC_LABEL": "University SSO",
        "NEWSDESK_DNS_NAMESERVERS": '["127.0.0.1"]',
        "NEWSDESK_DNS_PORT": str(newsroom_dns[1]),
        "NEWSDESK_DNS_TIMEOUT_S": "2",
    }
    log = (var / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.api.app:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log"],
        cwd=var, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Newsroom(f"http://127.0.0.1:{port}", database_url, env, process)
    _wait_until_up(server, var / "server.log")
    yield server
    process.terminate()
    process.wait(timeout=10)
    log.close()


def _wait_until_up(server: Newsroom, log: Path) -> None:
    deadline = time.monotonic() + 120  # a loaded 2-core box takes 30 s to import the app
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"newsroom server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(server.url("/healthz"), timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"newsroom server did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def sent_campaign(newsroom: Newsroom, tmp_path_factory: pytest.TempPathFactory) -> SentDemo:
    """The demo campaign, sent for real and read by a few subscribers (once per session)."""
    return send_demo_campaign(newsroom.env, tmp_path_factory.mktemp("sent"))


@pytest.fixture(scope="session")
def live_engine(newsroom: Newsroom) -> Iterator[sa.engine.Engine]:
    """An engine on the server's database, for arranging and checking data."""
    engine = sa.create_engine(newsroom.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seed(live_engine: sa.engine.Engine) -> Iterator[Session]:
    """A session on the live database; commit what the server should see."""
    with Session(live_engine, expire_on_commit=False) as session:
        yield session


@dataclass(frozen=True)
class Account:
    """A user the tests log in as."""

    id: int
    role: str
    email: str
    password: str
    display_name: str


_serial = itertools.count(1)


@pytest.fixture
def make_user(live_engine: sa.engine.Engine) -> Callable[..., Account]:
    """Create a user of a role through service.accounts (unique address per call)."""

    def make(role: str, *, language: str = "en", coordinator_id: int | None = None) -> Account:
        email = f"{role}{next(_serial)}.{uuid.uuid4().hex[:6]}@newsroom.example.org"
        password = f"pw-{role}-{uuid.uuid4().hex[:10]}"
        name = f"{role.capitalize()} Tester"
        with Session(live_engine, expire_on_commit=False) as session:
            user = create_user(
                session, email=email, display_name=name, role=role, password=password,
                language=language, coordinator_id=coordinator_id,
            )  # fmt: skip
            session.commit()
            assert user.id is not None
            return Account(user.id, role, email, password, name)

    return make


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at desktop width."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in(newsroom: Newsroom) -> Callable[[Any, Account], None]:
    """Log a page in through the login form, as a person would."""

    def do(page: Any, account: Account) -> None:
        page.goto(newsroom.url("/newsroom/login"))
        page.get_by_label("Email address").fill(account.email)
        page.get_by_label("Password").fill(account.password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(newsroom.url("/newsroom/"))

    return do


@pytest.fixture
def axe_check() -> Callable[[Any], list[dict[str, Any]]]:
    """Run axe-core on the page; fail on any serious or critical violation."""

    def check(page: Any) -> list[dict[str, Any]]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # evaluated by the driver, not as an inline <script>: the pages' CSP (script-src
            # 'self') rightly refuses inline scripts, and the test must not weaken it
            page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in bad
        )
        return list(result["violations"])

    return check

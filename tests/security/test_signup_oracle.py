"""Finding 7: the signup form tells nobody who is subscribed, and one network gets one quota.

HTTP to the full create_app() app through httpx's ASGI transport (which lets the test choose the
client address); the confirmation mail goes through Redis to a real worker process and reaches
a real SMTP capture. Times are compared as ratios within the run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from pathlib import Path

import httpx
import pytest
import redis
from sqlmodel import Session, select

from service.api.app import create_app
from service.api.public_pages import get_mail_sender
from service.audience.throttle import signup_throttle
from service.db import get_engine
from service.models import Subscriber, SubscriberStatus
from service.settings import reset_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for
from tests.support.live import publish_signup_mail


def _post(app: object, email: str, ip: str = "192.0.2.10") -> tuple[int, str, float]:
    async def go() -> tuple[int, str, float]:
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://news.test") as http:
            start = time.perf_counter()
            response = await http.post(
                "/subscribe",
                data={"email": email, "language": "en", "lists": "newsletter", "consent": "yes"},
            )
            return response.status_code, response.text, time.perf_counter() - start

    # Its own thread and loop: Playwright's sync API, earlier in the same pytest process, leaves an
    # event loop set on the main thread, where asyncio.run() refuses to start.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


@pytest.mark.slow
def test_same_answer_same_time_and_the_mail_comes_from_the_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in redis.Redis.from_url(redis_url()).scan_iter("newsdesk:signup:*"):
        redis.Redis.from_url(redis_url()).delete(key)
    env = {
        "NEWSDESK_SIGNUP_MAIL_QUEUE": "true",
        "NEWSDESK_SIGNUP_MIN_RESPONSE_S": "0.3",
        "NEWSDESK_REDIS_URL": redis_url(),
        "NEWSDESK_ADMIN_TOKEN": "a-real-admin-token-0123456789",
    }
    with live_stack(
        tmp_path, database_url=postgres_url(), broker_url=redis_url(), extra_env=env
    ) as stack:
        signup_throttle.cache_clear()
        app = create_app()
        # publish to this stack's broker: the module-level Celery app of this test process was
        # built by whichever test imported it first (each real API process builds its own)
        app.dependency_overrides[get_mail_sender] = lambda: publish_signup_mail
        with Session(get_engine()) as s:
            s.add(Subscriber(email="known@uni.example", email_hash="k", status="confirmed"))
            s.commit()
        _post(app, "warm-up@uni.example")  # first request: templates, connections
        new = [_post(app, f"new{n}@uni.example") for n in range(3)]
        known = [_post(app, "known@uni.example") for _ in range(3)]
        assert {r[0] for r in new + known} == {200}
        assert {r[1].replace(f"new{n}@", "X@") for n, r in enumerate(new)} == {
            known[0][1].replace("known@", "X@")
        }
        ratio = min(r[2] for r in new) / min(r[2] for r in known)
        assert 0.8 < ratio < 1.25, ratio
        wait_for(lambda: len(stack.capture.captured) == 4, 90, "the worker to send the requests")
        assert sorted(m.rcpt_tos[0] for m in stack.capture.captured) == [
            *(f"new{n}@uni.example" for n in range(3)),
            "warm-up@uni.example",
        ]  # nothing to the confirmed address: its page only looks the same
        # the relay gone: the answer is still the same page (the worker retries later)
        monkeypatch.setenv("NEWSDESK_SMTP_URL", "smtp://127.0.0.1:9")
        reset_settings()
        down_app = create_app()
        down_app.dependency_overrides[get_mail_sender] = lambda: publish_signup_mail
        down = _post(down_app, "other@uni.example")
        assert down[0] == 200 and down[1].replace("other@", "new0@") == new[0][1]


def test_one_ipv6_64_gets_one_quota(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import _fresh_schema

    url = postgres_url()
    _fresh_schema(url)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", url)
    monkeypatch.setenv("NEWSDESK_SIGNUP_PER_IP_PER_HOUR", "5")
    monkeypatch.setenv("NEWSDESK_SIGNUP_MAIL_QUEUE", "true")  # the mail waits in the broker
    reset_settings()
    from service.db import reset_engine

    reset_engine()
    signup_throttle.cache_clear()
    app = create_app()
    codes = [_post(app, f"p{n}@uni.example", ip=f"2001:db8:1:2::{n + 1:x}")[0] for n in range(8)]
    assert codes == [200] * 5 + [429] * 3
    other_net = _post(app, "q@uni.example", ip="2001:db8:1:3::1")[0]
    v4 = [_post(app, f"v{n}@uni.example", ip=f"198.51.100.{n + 1}")[0] for n in range(6)]
    assert other_net == 200 and v4 == [200] * 5 + [429]
    with Session(get_engine()) as s:
        made = s.exec(select(Subscriber).where(Subscriber.status == SubscriberStatus.UNCONFIRMED))
        assert len(made.all()) == 11

"""/healthz (the process answers) and /readyz (database, Redis, schema and DKIM key usable)."""

from __future__ import annotations

import os
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.settings import Settings, get_settings

router = APIRouter(tags=["ops"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (no dependency is touched)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz() -> JSONResponse:
    """200 when every check passes, 503 naming the ones that fail."""
    settings = get_settings()
    checks = await run_in_threadpool(run_checks, settings)
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


def run_checks(settings: Settings) -> dict[str, str]:
    """Each check's result: "ok" or what is wrong."""
    checks: dict[str, Callable[[Settings], str]] = {
        "database": _database, "migrations": _migrations, "redis": _redis, "dkim_key": _dkim,
    }  # fmt: skip
    results = {}
    for name, check in checks.items():
        try:
            results[name] = check(settings)
        except Exception as exc:  # a failing dependency is the answer, not an error
            results[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return results


def _database(_settings: Settings) -> str:
    import sqlalchemy as sa

    from service.db import get_engine

    with get_engine().connect() as conn:
        conn.execute(sa.text("select 1"))
    return "ok"


def _migrations(_settings: Settings) -> str:
    from service.migrate import schema_state

    current, head = schema_state()
    return "ok" if current == head else f"database at {current}, code needs {head}"


def _redis(settings: Settings) -> str:
    import redis

    url = settings.redis_url or (
        settings.broker_url if settings.broker_url.startswith("redis") else None
    )
    if url is None:
        return "ok"  # embedded setup: nothing to reach
    redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    return "ok"


def _dkim(settings: Settings) -> str:
    path = settings.dkim_private_key_path
    if path is None:
        return "ok" if settings.env != "production" else "not configured"
    return "ok" if os.access(path, os.R_OK) else f"{path} is not readable"

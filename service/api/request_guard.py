"""ASGI guard in front of every route: the credential before the body, a body cap per route,
and a deadline for each body chunk (issue 15, finding 4).

A 100 MB POST to an admin route without a token used to be read in full (7 s, the tracking
pixel stalled) before the 401. Here the Authorization header is checked first, a declared
Content-Length over the route's cap is refused at once, a body that grows past the cap is cut
off, and a client that stops sending mid-body gets 408 instead of holding a worker.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from service.audience.import_jobs import MAX_BYTES as IMPORT_MAX_BYTES
from service.settings import Settings, get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Refused(BaseException):
    """Stop reading: answer with this status and detail (if nothing was sent yet).

    A BaseException on purpose: FastAPI turns any Exception raised while it reads a JSON body
    into a 400, which would hide the 408/413.
    """

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


FORM_OVERHEAD = 64 * 1024  # multipart boundaries, the CSRF field, the other fields


def body_limit(path: str, settings: Settings) -> int:
    """The largest body a route takes: raw inbound mail, JSON for the API, small public forms."""
    if path == "/inbound/raw":
        return settings.inbound_max_bytes
    if path.startswith("/api/"):
        return settings.api_max_body_bytes
    if path == "/newsroom/settings/media":  # twice the image limit: the form says what is wrong
        return 2 * settings.media_max_bytes + FORM_OVERHEAD
    if path == "/newsroom/audience/import":
        return IMPORT_MAX_BYTES + FORM_OVERHEAD
    return settings.public_max_body_bytes


def credential_problem(path: str, headers: dict[bytes, bytes], settings: Settings) -> str | None:
    """Why the request may not be read at all (missing or wrong bearer), or None."""
    given = headers.get(b"authorization", b"").decode("latin-1")
    if path.startswith("/api/"):
        expected = settings.admin_token
    elif path == "/inbound/raw":
        expected = settings.inbound_webhook_token
        if not expected:
            return None  # the route answers 404 itself
    else:
        return None
    if not expected:
        return None  # no token configured: development mode, the route decides
    if hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        return None
    return "admin token required" if path.startswith("/api/") else "bad or missing bearer token"


async def _user_token(headers: dict[bytes, bytes]) -> bool:
    """A live user API token (ndt_...) in the Authorization header, looked up off the loop."""
    given = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, raw = given.partition(" ")
    from service.accounts.tokens import PREFIX

    if scheme.lower() != "bearer" or not raw.startswith(PREFIX):
        return False
    return await asyncio.to_thread(_token_known, raw)


def _token_known(raw: str) -> bool:
    """Read-only: the route's dependency records the use."""
    from sqlmodel import Session

    from service.accounts.tokens import authenticate_token
    from service.db import get_engine

    with Session(get_engine()) as session:
        known = authenticate_token(session, raw=raw) is not None
        session.rollback()
        return known


class RequestGuard:
    """Pure ASGI middleware (no body buffering of its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings, path = get_settings(), scope.get("path", "")
        headers = dict(scope.get("headers") or [])
        problem = credential_problem(path, headers, settings)
        if problem is not None and path.startswith("/api/") and await _user_token(headers):
            problem = None  # a newsroom user's live API token; its scope is the route's to check
        if problem is not None:
            await _answer(send, 401, problem)
            return
        limit = body_limit(path, settings)
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, f"request body over {limit} bytes")
            return
        await self._guarded(scope, receive, send, limit, settings.body_chunk_timeout_s)

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, limit: int, timeout_s: float
    ) -> None:
        started, seen = False, 0

        async def guarded_receive() -> Message:
            nonlocal seen
            try:
                message = await asyncio.wait_for(receive(), timeout=timeout_s)
            except TimeoutError:
                raise _Refused(408, f"request body not received within {timeout_s:g} s") from None
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _Refused(413, f"request body over {limit} bytes")
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers") or [])
                message["headers"] = with_security_headers(headers, csp=_csp_applies(scope))
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracked_send)
        except _Refused as refused:
            if not started:
                await _answer(send, refused.status, refused.detail)


# Public pages are ours alone: no framing (clickjacking), no sniffing, no referrer (URLs carry
# tokens), and a CSP that allows the newsletters' inline styles and remote images only.
CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _csp_applies(scope: Scope) -> bool:
    """Every HTML page but the development API docs (Swagger UI runs an inline script)."""
    return not str(scope.get("path", "")).startswith(("/docs", "/static/swagger-ui"))


def with_security_headers(
    headers: list[tuple[bytes, bytes]], *, csp: bool = True
) -> list[tuple[bytes, bytes]]:
    """Add the security headers a response does not set itself."""
    present = {name.lower() for name, _ in headers}
    wanted = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
              (b"referrer-policy", b"no-referrer")]  # fmt: skip
    html = any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)
    if html and csp:
        wanted.append((b"content-security-policy", CSP.encode()))
    return headers + [(n, v) for n, v in wanted if n not in present]


async def _answer(send: Send, status: int, detail: str) -> None:
    """A JSON error, and close: the unread body is never read."""
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

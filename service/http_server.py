"""A deadline for the request head: uvicorn has no header-read timeout (issue 15, finding 4).

A client that opens a connection and trickles its headers one byte a second (slowloris) used to
hold the connection, its buffers and a file descriptor for as long as it liked: uvicorn only
times out idle keep-alive connections after a response, and httptools' protocol never times out
a connection that has not finished its first request. These protocol classes arm a timer while
the connection waits for a request head (from the connection's start and again after each
answer) and disarm it once the head is parsed; when it fires, the client gets a 408 and the
connection is closed. Bodies have their own deadline in api/request_guard.py.

Used by `newsdesk api` (and so compose) through uvicorn's `http=` option; `protocol_path()`
picks the variant of the parser uvicorn's "auto" would pick.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.settings import get_settings

_BODY = b"request head not received in time\n"
REFUSAL = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_BODY), _BODY)
)


class _HeadDeadline:
    """Mixin: close a connection whose request head is not complete within header_timeout_s."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    _head_timer: asyncio.TimerHandle | None = None

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_timer = self.loop.call_later(get_settings().header_timeout_s, self._head_late)

    def _disarm_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.write(REFUSAL)
            self.transport.close()


class H11HeadDeadline(_HeadDeadline, H11Protocol):
    """h11: the connection awaits a head exactly while the client's state is IDLE."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_head_deadline()


def _httptools_variant() -> type | None:
    """The httptools protocol with the deadline, or None when httptools is not installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency
        return None

    class HttpToolsHeadDeadline(_HeadDeadline, HttpToolsProtocol):
        """httptools: the head is complete at on_headers_complete; re-armed after an answer."""

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_head_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_deadline()
            super().connection_lost(exc)

        def on_headers_complete(self) -> None:
            self._disarm_head_deadline()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            idle = self.cycle is None or self.cycle.response_complete
            if not self.transport.is_closing() and not self.pipeline and idle:
                self._arm_head_deadline()

    return HttpToolsHeadDeadline


HttpToolsHeadDeadline = _httptools_variant()


def protocol_path() -> str:
    """uvicorn's `http=` value: the httptools variant when available (as "auto"), else h11."""
    name = "HttpToolsHeadDeadline" if HttpToolsHeadDeadline is not None else "H11HeadDeadline"
    return f"{__name__}:{name}"

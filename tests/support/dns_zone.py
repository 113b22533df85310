"""A small authoritative DNS server on loopback (dnslib), serving a zone a test edits live.

Real UDP and TCP on a free port: the code under test talks to it through dnspython exactly
as it would to any nameserver (NEWSDESK_DNS_NAMESERVERS / NEWSDESK_DNS_PORT point at it).
Names nobody added answer NXDOMAIN.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dnslib import AAAA, PTR, QTYPE, RCODE, RR, TXT, A, DNSLabel, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

_TYPES: dict[str, Any] = {"A": A, "AAAA": AAAA, "PTR": PTR}


class Zone(BaseResolver):  # type: ignore[misc]
    """Records by (name, type); edit with add/remove/clear while the server runs."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[Any]] = {}
        self.lock = threading.Lock()
        self.queries: list[tuple[str, str]] = []

    def add(self, name: str, kind: str, value: str) -> Zone:
        """One record; TXT values longer than 255 octets are split into strings."""
        if kind == "TXT":
            rdata: Any = TXT([value[i : i + 255] for i in range(0, len(value), 255)] or [""])
        elif kind == "MX":
            from dnslib import MX

            rdata = MX(value)
        else:
            rdata = _TYPES[kind](value)
        with self.lock:
            self.records.setdefault((_norm(name), kind), []).append(rdata)
        return self

    def remove(self, name: str, kind: str) -> None:
        """Drop every record of that name and type."""
        with self.lock:
            self.records.pop((_norm(name), kind), None)

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        """Answer from the records; NXDOMAIN for an unknown name, NODATA for a missing type."""
        reply = request.reply()
        qname, qtype = str(request.q.qname), QTYPE[request.q.qtype]
        with self.lock:
            self.queries.append((_norm(qname), qtype))
            hits = self.records.get((_norm(qname), qtype), [])
            known = any(n == _norm(qname) for n, _ in self.records)
        for rdata in hits:
            reply.add_answer(RR(DNSLabel(qname), getattr(QTYPE, qtype), rdata=rdata, ttl=1))
        if not known:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def _norm(name: str) -> str:
    return name.lower().rstrip(".")


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", port))
            return int(port)
        except OSError:
            continue
        finally:
            udp.close()
            tcp.close()
    raise RuntimeError("no free port for the DNS server")


@contextmanager
def dns_server(zone: Zone) -> Iterator[int]:
    """Serve `zone` on 127.0.0.1 (UDP and TCP); yields the port."""
    port = _free_port()
    quiet = DNSLogger(log="-request,-reply,-truncated,-error", prefix=False)
    servers = [
        DNSServer(zone, address="127.0.0.1", port=port, tcp=tcp, logger=quiet)
        for tcp in (False, True)
    ]
    for server in servers:
        server.start_thread()
    try:
        yield port
    finally:
        for server in servers:
            server.stop()

"""Finding 3: a hostile HTML mail must cost about what any mail of its size costs (SMTP).

The receiver's hook processes before the 250, so the time smtplib waits is the processing time.
Ratios only: the hostile mail against a benign one of the same size, in the same run.
"""

from __future__ import annotations

import time
from email.message import EmailMessage

from sqlmodel import Session, select

from service.db import get_engine
from service.models import InboundMessage
from tests.security.conftest import REPLY_DOMAIN, Inbound

SIZE = 40_000


def _html_mail(html: str, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "x@attacker.example"
    msg["To"] = f"reply+x@{REPLY_DOMAIN}"
    msg["Subject"] = "hello"
    msg["Message-ID"] = f"<h{n}@attacker.example>"
    msg.set_content(html, subtype="html")
    return msg.as_bytes()


def _timed(inbound: Inbound, raw: bytes) -> float:
    start = time.perf_counter()
    inbound.send(raw, mail_from="x@attacker.example", rcpt=f"reply+x@{REPLY_DOMAIN}")
    return time.perf_counter() - start


def test_unclosed_script_tags_are_linear(inbound: Inbound) -> None:
    hostile = "<p>hi</p>" + "<script>a" * (SIZE // 9)  # every tag open, none closed
    benign = "<p>" + "Gibt es noch Plätze? " * (SIZE // 22) + "</p>"
    _timed(inbound, _html_mail(benign, 0))  # warm-up: imports, connections
    benign_s = min(_timed(inbound, _html_mail(benign, n)) for n in (1, 2))
    hostile_s = _timed(inbound, _html_mail(hostile, 3))
    assert hostile_s < 20 * benign_s + 0.05, (hostile_s, benign_s)
    with Session(get_engine()) as s:
        statuses = s.exec(select(InboundMessage.status)).all()
    assert len(statuses) == 4 and "received" not in statuses  # all were processed

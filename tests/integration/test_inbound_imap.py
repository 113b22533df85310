"""IMAP polling against a real Dovecot (Debian dovecot-imapd) started by the test."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from service.db import get_engine
from service.inbound.intake.imap_poller import ImapTarget, poll_imap
from service.models import InboundMessage
from tests.conftest import require_service
from tests.support.ports import free_port as _free_port

DOVECOT = "/usr/sbin/dovecot"
CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{root}/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture
def dovecot() -> Iterator[int]:
    """A private Dovecot on a free loopback port with user bounces/secret."""
    if not os.path.exists(DOVECOT):
        require_service("Dovecot", "apt-get install dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="nd-dovecot-"))
    root.chmod(0o755)
    for sub in ("mail", "home"):
        (root / sub).mkdir()
        shutil.chown(root / sub, "dovecot", "dovecot")
    (root / "passwd").write_text("bounces:{PLAIN}secret::::::\n")
    port = _free_port()
    (root / "dovecot.conf").write_text(CONF.format(root=root, port=port))
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")])
    try:
        _wait_for(port, proc, root)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, proc: subprocess.Popen, root: Path) -> None:
    for _ in range(100):
        if proc.poll() is not None:
            pytest.fail(f"dovecot exited: {(root / 'dovecot.log').read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("dovecot did not listen")


def _append(port: int, raw: bytes) -> None:
    with imaplib.IMAP4("127.0.0.1", port) as conn:
        conn.login("bounces", "secret")
        conn.append("INBOX", None, None, raw)


def test_poll_stores_once_and_never_deletes(db_url: str, dovecot: int) -> None:
    port = dovecot
    raws = [
        f"From: ada@uni.example\r\nTo: reply+t{i}@reply.example\r\nSubject: Q{i}\r\n\r\n"
        f"Body {i}\r\n".encode()
        for i in range(2)
    ]
    for raw in raws:
        _append(port, raw)
    target = ImapTarget.from_url(f"imap://bounces:secret@127.0.0.1:{port}/INBOX")
    enqueued: list[int] = []
    first = poll_imap(target, after_stored=enqueued.append)
    second = poll_imap(target)
    assert (len(first), second, enqueued) == (2, [], first)
    with Session(get_engine()) as session:
        rows = session.exec(select(InboundMessage).order_by(InboundMessage.id)).all()
    assert [r.raw.replace(b"\r\n", b"\n") for r in rows] == [
        r.replace(b"\r\n", b"\n") for r in raws
    ]
    assert {r.channel for r in rows} == {"imap"}
    with imaplib.IMAP4("127.0.0.1", port) as conn:
        conn.login("bounces", "secret")
        conn.select("INBOX")
        _, seen = conn.search(None, "SEEN")
        _, everything = conn.search(None, "ALL")
    assert len(everything[0].split()) == 2 and seen == everything


def test_bad_imap_url_is_a_clear_error() -> None:
    from service.errors import InvalidInput

    with pytest.raises(InvalidInput, match="IMAP URL"):
        ImapTarget.from_url("http://example.org")


def test_poll_command_enqueues_processing_after_the_store(db_url: str, dovecot: int) -> None:
    """`newsdesk inbound poll` publishes newsdesk.process_inbound for each stored message."""
    import json
    import sys

    import redis

    from tests.conftest import redis_url

    broker = redis_url()
    client = redis.Redis.from_url(broker)
    client.flushdb()
    _append(dovecot, b"From: ada@uni.example\r\nTo: reply+t1@reply.example\r\n\r\nHi\r\n")
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db_url, "NEWSDESK_BROKER_URL": broker,
           "NEWSDESK_IMAP_URL": f"imap://bounces:secret@127.0.0.1:{dovecot}/INBOX"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "service.cli", "inbound", "poll"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and "stored 1 message" in done.stdout, done.stdout + done.stderr
    with Session(get_engine()) as session:
        (stored,) = session.exec(select(InboundMessage.id)).all()
    queued = [json.loads(m) for m in client.lrange("inbound", 0, -1)]
    assert [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in queued] == [
        ("newsdesk.process_inbound", f"({stored},)")
    ]

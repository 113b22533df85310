"""The comms team's and subscribers' moves, through public interfaces only (HTTP, SMTP, CLI)."""

from __future__ import annotations

import csv
import io
import re
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from tests.acceptance.stack import BOUNCE_DOMAIN, Captured, Stack, wait_for


def readers(count: int) -> list[tuple[str, str]]:
    """(address, language) of `count` readers, half German, half English."""
    return [(f"reader{n}@uni{n}.example.org", "en" if n % 2 else "de") for n in range(count)]


SUBSCRIBERS = readers(6)
COORDINATOR = "conference-office@partnership.example.org"
TRIAGE = "partnership-office@partnership.example.org"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def create_content(stack: Stack, subscribers: list[tuple[str, str]] = SUBSCRIBERS) -> None:
    """Coordinators, a segment and an approved announcement over the admin API; readers by CLI."""
    with stack.http() as api:
        triage = _ok(api.post("/api/coordinators", json={"name": "Office", "email": TRIAGE}))
        conf = _ok(api.post("/api/coordinators", json={"name": "Conf", "email": COORDINATOR}))
        assert triage["id"] != conf["id"]
        _ok(api.post("/api/segments", json={"slug": "all", "name": "All", "rule": {"all": []}}))
        item = _ok(api.post("/api/announcements", json=_announcement(conf["id"])))
        _ok(api.post(f"/api/announcements/{item['id']}/submit"))  # draft -> submitted -> approved
        _ok(api.post(f"/api/announcements/{item['id']}/approve"))
    path = stack.root / "readers.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "language", "consent_date", "consent_source"])
        for address, language in subscribers:
            writer.writerow([address, address.split("@")[0], language, "2026-01-10", "form"])
    imported = stack.cli("audience", "import", str(path))
    assert imported.returncode == 0, imported.stdout + imported.stderr


def _announcement(coordinator_id: int) -> dict[str, object]:
    return {
        "slug": "lung-conference-call",
        "title_en": "Call for contributions: Munich-Chicago lung conference",
        "title_de": "Beitragsaufruf: Lungenkonferenz München-Chicago",
        "summary_en": "Submit an abstract by 15 January.",
        "summary_de": "Reichen Sie bis 15. Januar ein Abstract ein.",
        "body_en": "Clinicians and scientists are welcome.",
        "body_de": "Klinikerinnen und Forschende sind willkommen.",
        "topic": "lung",
        "cta_url": "https://partnership.example.org/lung-conference",
        "cta_label_en": "Submit",
        "cta_label_de": "Einreichen",
        "coordinator_id": coordinator_id,
        "segments": ["all"],
    }


def send_campaign(stack: Stack, name: str) -> int:
    """Create and schedule a campaign to everyone; returns its id."""
    body = {"name": name, "subject_en": f"{name} (en)", "subject_de": f"{name} (de)",
            "segments": ["all"], "tracking": "aggregate"}  # fmt: skip
    with stack.http() as api:
        campaign = _ok(api.post("/api/campaigns", json=body))
        _ok(api.post(f"/api/campaigns/{campaign['id']}/schedule", json={}))
    return int(campaign["id"])


def status(stack: Stack, campaign_id: int) -> str:
    """The campaign's state as the API reports it."""
    stack.check_alive()
    with stack.http() as api:
        return str(_ok(api.get(f"/api/campaigns/{campaign_id}"))["status"])


def campaign_mails(stack: Stack, name: str) -> list[Captured]:
    """Captured newsletters of the campaign called `name` (its subject carries the name)."""
    return [m for m in stack.capture.mails if str(m.message["Subject"]).startswith(f"{name} (")]


def report(stack: Stack, campaign_id: int) -> dict[str, int]:
    """Campaign-wide figures from the report's CSV export."""
    with stack.http() as api:
        response = api.get(f"/reports/campaigns/{campaign_id}.csv")
    assert response.status_code == 200, response.text
    rows = csv.DictReader(io.StringIO(response.text))
    return {
        r["metric"]: int(r["value"]) for r in rows if r["scope"] == "campaign" and not r["link"]
        and not r["announcement"]
    }  # fmt: skip


def html_of(mail: Captured) -> str:
    """The HTML part as the subscriber's client shows it."""
    part = mail.message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def reply_address(mail: Captured) -> str:
    """The announcement's own reply+ address (its "ask about this" mailto)."""
    found = re.search(r'href="mailto:(reply\+[^"?]+)', html_of(mail))
    assert found, "no per-announcement reply link in the mail"
    return found.group(1)


def one_click_url(mail: Captured) -> str:
    """The https/http URI of List-Unsubscribe."""
    found = re.search(r"<(https?://[^>]+)>", str(mail.message["List-Unsubscribe"]))
    assert found, mail.message["List-Unsubscribe"]
    return found.group(1)


def tracking_urls(mail: Captured) -> tuple[str, str]:
    """The open pixel's and the first tracked link's URLs."""
    html = html_of(mail)
    pixel = re.search(r'src="(https?://[^"]+/t/o/[^"]+\.gif)"', html)
    click = re.search(r'href="(https?://[^"]+/t/c/[^"]+)"', html)
    assert pixel and click, "no tracking pixel or tracked link in the mail"
    return pixel.group(1), click.group(1).replace("&amp;", "&")


def smtp_submit(stack: Stack, raw: bytes, *, mail_from: str, rcpt: str) -> None:
    """Hand one message to the inbound receiver as an MTA would."""
    with smtplib.SMTP("127.0.0.1", stack.inbound_port, timeout=30) as client:
        assert client.sendmail(mail_from, [rcpt], raw) == {}


def subscriber_reply(mail: Captured, *, to: str, question: str) -> bytes:
    """A plain reply from the subscriber's client to the announcement's reply address."""
    msg = EmailMessage()
    msg["From"] = mail.rcpt_tos[0]
    msg["To"] = to
    msg["Subject"] = f"Re: {mail.message['Subject']}"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="uni.example.org")
    msg["In-Reply-To"] = mail.message["Message-ID"]
    msg.set_content(f"Hello,\n\n{question}\n\nBest regards\n")
    return bytes(msg)


def dsn(mail: Captured) -> bytes:
    """An RFC 3464 hard bounce (5.1.1) for the mail's recipient, to its VERP envelope sender."""
    rcpt = mail.rcpt_tos[0]
    headers = mail.data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    diagnostic = f"550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"
    return (
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
        f"To: {mail.mail_from}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.org')}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        f"--B\r\nContent-Type: text/plain\r\n\r\n<{rcpt}>: {diagnostic}\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n"
        f"\r\nFinal-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n\r\n--B--\r\n"
    ).encode()


def arf(mail: Captured) -> bytes:
    """An ARF abuse report (RFC 5965) quoting the mail's headers, as a mailbox provider sends."""
    headers = mail.data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    return (
        "From: feedback@fbl.example.net\r\nTo: fbl@" + BOUNCE_DOMAIN + "\r\n"
        "Subject: FW: abuse report\r\nMIME-Version: 1.0\r\n"
        f"Message-ID: {make_msgid(domain='fbl.example.net')}\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=F\r\n\r\n"
        "--F\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
        "User-Agent: FBL/1.0\r\nVersion: 1\r\n\r\n"
        f"--F\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n--F--\r\n"
    ).encode()


def wait_for_report(stack: Stack, campaign_id: int, want: dict[str, int], timeout_s: float) -> None:
    """Until every figure in `want` is at least that high."""

    def reached() -> bool:
        stack.check_alive()
        got = report(stack, campaign_id)
        return all(got.get(k, 0) >= v for k, v in want.items())

    try:
        wait_for(reached, timeout_s, f"report figures {want}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; report: {report(stack, campaign_id)}") from None


def write_file(path: Path, data: bytes) -> Path:
    """Keep raw bytes for a failing run's post-mortem."""
    path.write_bytes(data)
    return path


def _ok(response: object) -> dict[str, object]:
    status = getattr(response, "status_code", 0)
    assert 200 <= status < 300, f"{status}: {getattr(response, 'text', '')}"
    body = response.json() if getattr(response, "content", b"") else {}  # type: ignore[attr-defined]
    return dict(body)

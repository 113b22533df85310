"""DMARC aggregate reports from strangers, sent through the real inbound SMTP receiver.

Google's zip and Microsoft's gzip are stored and summarised (CLI and newsroom); a redelivered
report counts once; an XML bomb, a zip bomb, a gzip bomb and a zip of many files are refused
with the reason, stored nowhere but the quarantined mail, and cost bounded memory.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from service.db import get_engine
from service.inbound.reading.dmarc import DmarcError, Limits, parse_aggregate
from service.models import DmarcRecord, DmarcReport, InboundMessage, SenderAlert
from service.models._common import utcnow
from service.settings import reset_settings
from tests.security.conftest import BOUNCE_DOMAIN, Inbound, count
from tests.security.dmarc_mail import (
    BILLION_LAUGHS,
    OUR_IP,
    bomb_zip,
    google_mail,
    google_xml,
    microsoft_mail,
    report_mail,
    zipped,
)
from tests.web.newsroom_client import person

ROOT = Path(__file__).resolve().parents[2]
RUA = f"bounces@{BOUNCE_DOMAIN}"  # the bounce/report address (rua=mailto:bounces@...)


@pytest.fixture
def own_ips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_DMARC_OWN_IPS", json.dumps([OUR_IP, "2001:db8::25"]))
    reset_settings()


def _send(inbound: Inbound, raw: bytes) -> None:
    inbound.send(raw, mail_from="noreply-dmarc-support@google.com", rcpt=RUA)


def test_F6_google_and_microsoft_reports_are_stored_once_and_summarised(
    inbound: Inbound, own_ips: None
) -> None:
    _send(inbound, google_mail(RUA))
    _send(inbound, microsoft_mail(RUA))
    _send(inbound, google_mail(RUA))  # redelivered: the same report once
    with Session(get_engine()) as s:
        reports = {r.org_name: r for r in s.exec(select(DmarcReport))}
        assert set(reports) == {"google.com", "Enterprise Outlook"}
        assert reports["google.com"].domain == "news.partnership.example.org"
        assert reports["google.com"].policy == "none"
        assert count(DmarcRecord) == 5
        verdicts = [m.verdict for m in s.exec(select(InboundMessage).order_by(InboundMessage.id))]
        assert [v["kind"] for v in verdicts] == ["dmarc_report"] * 3  # never an inquiry
        assert verdicts[2]["action"] == "dmarc report already stored"
        # our IP failed DMARC for two messages at Microsoft: an alert for the admins
        [alert] = s.exec(select(SenderAlert)).all()
        assert alert.status_code == "dmarc" and f"{OUR_IP} (2)" in alert.detail
    assert not inbound.capture.captured, "nobody is answered or handed a report"

    cli = subprocess.run(
        [sys.executable, "-m", "service.cli", "report", "dmarc", "--days", "100000", "--json"],
        cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stdout + cli.stderr
    summary = json.loads(cli.stdout)
    assert summary["reports"] == 2 and summary["messages"] == 312 + 8 + 40 + 2 + 5
    sources = {(s["source_ip"], s["header_from"]): s for s in summary["sources"]}
    ours = sources[(OUR_IP, "news.partnership.example.org")]
    assert (ours["messages"], ours["dkim_pass"], ours["dkim_fail"]) == (354, 352, 2)
    assert ours["dmarc_pass"] == 352 and ours["dispositions"] == {"none": 354}
    assert ours["reporters"] == ["google.com", "Enterprise Outlook"]
    v6 = sources[("2001:db8::25", "news.partnership.example.org")]
    assert (v6["spf_pass"], v6["spf_fail"], v6["dmarc_pass"]) == (0, 8, 8)  # DKIM carried it
    stranger = sources[("203.0.113.9", "news.partnership.example.org")]
    assert stranger["ours"] is False and stranger["dmarc_pass"] == 0
    assert summary["alerts"] == [
        f"{OUR_IP} (news.partnership.example.org): 2 of 354 messages failed DMARC"
    ]
    table = subprocess.run(
        [sys.executable, "-m", "service.cli", "report", "dmarc", "--days", "100000"],
        cwd=ROOT, env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "203.0.113.9 (not ours)" in table.stdout and "alert:" in table.stdout

    with Session(get_engine()) as s:
        viewer = person(s, "viewer")
        # the page shows the last 30 days: move the reports' periods into them
        for report in s.exec(select(DmarcReport)):
            report.date_end = utcnow()
            s.add(report)
        s.commit()
        page = viewer.client.get("/newsroom/reports")
    assert page.status_code == 200
    assert 'data-source="203.0.113.9"' in page.text and "data-dmarc-alert" in page.text
    assert "Enterprise Outlook" in page.text


@pytest.mark.parametrize(
    ("attachment", "filename", "ctype", "reason"),
    [
        (BILLION_LAUGHS, "x!y!1!2.xml", "text/xml", "refused XML construct"),
        (bomb_zip(30 * 1024 * 1024), "x!y!1!2.zip", "application/zip", "byte limit"),
        (gzip.compress(b" " * (30 * 1024 * 1024)), "x!y!1!2.xml.gz", "application/gzip",
         "byte limit"),
        (zipped("a.xml", b"<feedback/>")[:-30], "x!y!1!2.zip", "application/zip", "zip"),
        (b"<feedback><report_metadata/></feedback>", "x!y!1!2.xml", "text/xml", "missing"),
    ],
    ids=["billion-laughs", "zip-bomb", "gzip-bomb", "broken-zip", "not-a-report"],
)  # fmt: skip
def test_hostile_reports_are_refused_with_the_reason_and_kept(
    inbound: Inbound, attachment: bytes, filename: str, ctype: str, reason: str
) -> None:
    raw = report_mail(
        sender="dmarc@evil.example", submitter="evil.example", report_id="1",
        attachment=attachment, filename=filename, ctype=ctype, to=RUA,
    )  # fmt: skip
    _send(inbound, raw)
    with Session(get_engine()) as s:
        [row] = s.exec(select(InboundMessage)).all()
        assert row.status == "quarantined" and reason in (row.quarantine_reason or ""), (
            row.quarantine_reason
        )
        assert row.raw == raw  # nothing lost: the mail stays for a person to look at
    assert count(DmarcReport) == 0 and count(DmarcRecord) == 0


def test_many_files_in_one_zip_and_too_many_records_are_refused() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.xml", google_xml())
        archive.writestr("b.xml", google_xml())
    from service.inbound.reading.dmarc import Attachment, unpack

    with pytest.raises(DmarcError, match=r"one \.xml file"):
        unpack(Attachment("r.zip", "application/zip", buffer.getvalue()), Limits())
    with pytest.raises(DmarcError, match="more than 1 records"):
        parse_aggregate(google_xml(), Limits(max_records=1))
    namespaced = google_xml().replace(
        b"<feedback>", b'<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">'
    )
    assert parse_aggregate(namespaced).records[0].source_ip == OUR_IP

"""Store DMARC aggregate reports received at the report address (STANDARDS F6 monitoring).

A report is stored once per (reporter, report id), however often it is redelivered. A report
that cannot be read safely quarantines the inbound message with the reason (the bytes stay).
When our own sending IPs (settings.dmarc_own_ips; empty = every source) show DMARC failures,
an admin alert is recorded, like a policy rejection (A8): the sender's problem, not a person's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from service.inbound.reading.dmarc import (
    AggregateReport,
    DmarcError,
    Limits,
    parse_aggregate,
    report_attachment,
    unpack,
)
from service.inbound.reading.parse import parse_message
from service.models import DmarcRecord, DmarcReport, InboundMessage, InboundStatus, SenderAlert
from service.settings import get_settings


@dataclass(frozen=True)
class Stored:
    """What storing one report mail did."""

    action: str
    report_id: int | None = None


def store_dmarc_report(session: Session, row: InboundMessage) -> Stored:
    """Parse the report in the stored mail and keep its records; adds and flushes."""
    settings = get_settings()
    limits = Limits(settings.dmarc_max_xml_bytes, settings.dmarc_max_records)
    try:
        attachment = report_attachment(parse_message(row.raw))
        if attachment is None:
            raise DmarcError("no report file attached")
        report = parse_aggregate(unpack(attachment, limits), limits)
    except DmarcError as exc:
        row.status, row.quarantine_reason = InboundStatus.QUARANTINED, f"dmarc report: {exc}"
        session.add(row)
        session.flush()
        return Stored(f"dmarc report refused: {exc}")
    existing = session.exec(
        select(DmarcReport).where(
            DmarcReport.org_name == report.org_name, DmarcReport.report_id == report.report_id
        )
    ).first()
    if existing is not None:
        return Stored("dmarc report already stored", existing.id)
    stored = _save(session, report, row.id)
    _alert_on_failures(session, report, row.id, settings.dmarc_own_ips)
    return Stored(f"dmarc report stored ({len(report.records)} records)", stored.id)


def _save(session: Session, report: AggregateReport, inbound_id: int | None) -> DmarcReport:
    stored = DmarcReport(
        org_name=report.org_name,
        email=report.email,
        report_id=report.report_id,
        domain=report.domain,
        policy=report.policy,
        date_begin=report.date_begin,
        date_end=report.date_end,
        inbound_message_id=inbound_id,
    )
    session.add(stored)
    session.flush()
    assert stored.id is not None
    session.add_all(DmarcRecord(report_id=stored.id, **vars(r)) for r in report.records)
    session.flush()
    return stored


def _alert_on_failures(
    session: Session, report: AggregateReport, inbound_id: int | None, own_ips: list[str]
) -> None:
    """One alert naming the sources of ours whose mail failed DMARC (neither DKIM nor SPF)."""
    failed: dict[str, int] = {}
    for r in report.records:
        if (not own_ips or r.source_ip in own_ips) and "pass" not in (r.dkim, r.spf):
            failed[r.source_ip] = failed.get(r.source_ip, 0) + r.count
    if not failed:
        return
    listed = ", ".join(f"{ip} ({n})" for ip, n in sorted(failed.items()))
    session.add(
        SenderAlert(
            inbound_message_id=inbound_id,
            status_code="dmarc",
            recipient_domain=report.org_name[:255],
            detail=f"DMARC fail for {report.domain} reported by {report.org_name}: {listed}"[:2000],
        )
    )
    session.flush()

"""DMARC aggregate report summary: per source IP and From domain, what receivers saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from service.models import DmarcRecord, DmarcReport
from service.models._common import utcnow
from service.settings import get_settings


@dataclass
class DmarcSource:
    """Messages from one source IP with one From domain, over the period's reports."""

    source_ip: str
    header_from: str
    messages: int = 0
    dkim_pass: int = 0
    dkim_fail: int = 0
    spf_pass: int = 0
    spf_fail: int = 0
    dmarc_pass: int = 0  # DKIM or SPF passed aligned (policy_evaluated)
    dispositions: dict[str, int] = field(default_factory=dict)
    reporters: list[str] = field(default_factory=list)
    ours: bool = True

    @property
    def pass_rate(self) -> float:
        """Share of messages passing DMARC."""
        return self.dmarc_pass / self.messages if self.messages else 0.0


@dataclass
class DmarcSummary:
    """The period's reports in a few figures, and the alerts they call for."""

    since: datetime
    reports: int
    reporters: list[str]
    messages: int
    dmarc_pass: int
    sources: list[DmarcSource]
    alerts: list[str]


def dmarc_summary(session: Session, *, days: int = 30, now: datetime | None = None) -> DmarcSummary:
    """Reports whose period ended in the last `days` days, summed per (source IP, From domain)."""
    since = (now or utcnow()) - timedelta(days=days)
    own = set(get_settings().dmarc_own_ips)
    stmt = (
        sa.select(
            col(DmarcRecord.source_ip), col(DmarcRecord.header_from), col(DmarcRecord.count),
            col(DmarcRecord.dkim), col(DmarcRecord.spf), col(DmarcRecord.disposition),
            col(DmarcReport.org_name), col(DmarcReport.id),
        )
        .join(DmarcReport, col(DmarcReport.id) == col(DmarcRecord.report_id))
        .where(col(DmarcReport.date_end) >= since)
    )  # fmt: skip
    sources: dict[tuple[str, str], DmarcSource] = {}
    report_ids, reporters = set(), set()
    for ip, header_from, count, dkim, spf, disposition, org, report_id in session.execute(stmt):
        report_ids.add(report_id)
        reporters.add(org)
        key = (ip, header_from)
        src = sources.get(key) or DmarcSource(ip, header_from, ours=not own or ip in own)
        sources[key] = src
        src.messages += count
        src.dkim_pass += count if dkim == "pass" else 0
        src.dkim_fail += count if dkim != "pass" else 0
        src.spf_pass += count if spf == "pass" else 0
        src.spf_fail += count if spf != "pass" else 0
        src.dmarc_pass += count if "pass" in (dkim, spf) else 0
        src.dispositions[disposition] = src.dispositions.get(disposition, 0) + count
        if org not in src.reporters:
            src.reporters.append(org)
    ordered = sorted(sources.values(), key=lambda s: (-s.messages, s.source_ip, s.header_from))
    alerts = [
        f"{s.source_ip} ({s.header_from}): {s.messages - s.dmarc_pass} of {s.messages} messages "
        "failed DMARC"
        for s in ordered
        if s.ours and s.dmarc_pass < s.messages
    ]
    return DmarcSummary(
        since=since,
        reports=len(report_ids),
        reporters=sorted(reporters),
        messages=sum(s.messages for s in ordered),
        dmarc_pass=sum(s.dmarc_pass for s in ordered),
        sources=ordered,
        alerts=alerts,
    )

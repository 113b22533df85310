"""Report output: long-format CSV, a server-rendered SVG chart and the HTML page (no CDN)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from service.domain.csv_safety import safe_row
from service.rendering.environment import system_environment
from service.reports.campaign import CampaignReport

CSV_COLUMNS = ("scope", "metric", "announcement", "link", "value")


class _SafeWriter:
    """csv.writer whose cells cannot become spreadsheet formulas."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: Any) -> None:
        """Write one defused row."""
        self.writer.writerow(safe_row(row))


def to_csv(report: CampaignReport) -> str:
    """One row per figure: scope is 'campaign', an edition key, or an hour for the series."""
    out = io.StringIO()
    writer = _SafeWriter(csv.writer(out, lineterminator="\n"))
    writer.writerow(CSV_COLUMNS)
    for name, value in asdict(report.total).items():
        writer.writerow(("campaign", name, "", "", value))
    for key, stats in report.editions.items():
        for name, value in asdict(stats).items():
            writer.writerow((key, name, "", "", value))
    for title, (unique, total) in report.announcements.items():
        writer.writerow(("campaign", "unique_clicks", title, "", unique))
        writer.writerow(("campaign", "total_clicks", title, "", total))
    for link in report.links:
        for name in ("unique", "total", "machine"):
            value = getattr(link, name)
            writer.writerow(
                (link.edition_key, f"{name}_clicks", link.announcement, link.url, value)
            )
    for seg in report.segments:
        for name, value in asdict(seg).items():
            if name not in ("slug", "name"):
                writer.writerow((f"segment:{seg.slug}", name, "", "", value))
    for key, name in report.edition_names.items():
        writer.writerow((key, "edition_name", "", "", name))
    for hour, opens, clicks in report.series:
        writer.writerow((hour.strftime("%Y-%m-%dT%H:00Z"), "human_opens", "", "", opens))
        writer.writerow((hour.strftime("%Y-%m-%dT%H:00Z"), "human_clicks", "", "", clicks))
    return out.getvalue()


SERIES = (("opens", "#3b6ea5"), ("clicks", "#d9822b"))


def series_svg(
    series: list[tuple[datetime, int, int]], *, width: int = 720, height: int = 220
) -> Markup:
    """Grouped bars of human opens and clicks per hour, as inline SVG with hover titles."""
    if not series:
        return Markup('<p class="empty">No human opens or clicks yet.</p>')
    pad, top = 40, 20
    peak = max(max(o, c) for _h, o, c in series) or 1
    slot = (width - pad) / len(series)
    bar = max(slot / 2 - 1, 1)
    label_every = 1 if len(series) <= 24 else max(len(series) // 12, 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 30}" '
        f'role="img" aria-label="Human opens and clicks per hour">',
        f'<text x="0" y="{top - 6}" font-size="11">max {peak}/h</text>',
        f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#888"/>',
    ]
    for i, (hour, opens, clicks) in enumerate(series):
        x = pad + i * slot
        stamp = escape(hour.strftime("%Y-%m-%d %H:00"))
        for j, (value, (label, colour)) in enumerate(zip((opens, clicks), SERIES, strict=True)):
            h = (height - top) * value / peak
            parts.append(
                f'<rect x="{x + j * bar:.1f}" y="{height - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}">'
                f"<title>{stamp} UTC: {value} {label}</title></rect>"
            )
        if i % label_every == 0:
            tick = hour.strftime("%d %H:00")
            parts.append(f'<text x="{x:.1f}" y="{height + 14}" font-size="9">{tick}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_svg(items: dict[str, tuple[int, int]], *, width: int = 720) -> Markup:
    """Horizontal bars of unique clickers per announcement."""
    if not items:
        return Markup('<p class="empty">No clicks yet.</p>')
    peak = max(u for u, _t in items.values()) or 1
    row, label_w = 22, 260
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {row * len(items) + 4}" '
        'role="img" aria-label="Unique clickers per announcement">'
    ]
    for i, (title, (unique, total)) in enumerate(sorted(items.items(), key=lambda kv: -kv[1][0])):
        w = (width - label_w - 80) * unique / peak
        y = i * row
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(title[:40])}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="14" fill="#3b6ea5"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="11">{unique} ({total})</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def to_html(report: CampaignReport) -> str:
    """The report page."""
    template = system_environment().get_template("web/campaign_report.html.j2")
    return template.render(
        report=report,
        total=asdict(report.total),
        editions={k: asdict(v) for k, v in report.editions.items()},
        series_chart=series_svg(report.series),
        announcement_chart=bar_svg(report.announcements),
    )

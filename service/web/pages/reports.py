"""Reports: one campaign's report (per edition and announcement, inline SVG) and the last 12."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from service.accounts.errors import N_
from service.models import User
from service.reports.campaign import campaign_report
from service.reports.dmarc import dmarc_summary
from service.reports.trends import COMPLAINT_LIMIT, CampaignTrend, recent_trends
from service.reports.views import bar_svg, series_svg
from service.web.deps import CurrentLogin, DbSession, require
from service.web.templating import register_nav, render

router = APIRouter()
register_nav("/reports", N_("Reports"), "report.view")
Viewer = Annotated[User, Depends(require("report.view"))]
FIGURES = (
    ("sent", N_("Sent")), ("delivered", N_("Delivered")), ("hard_bounces", N_("Hard bounces")),
    ("soft_bounces", N_("Soft bounces")), ("complaints", N_("Complaints")),
    ("unique_human_opens", N_("Human opens (unique)")), ("human_opens", N_("Human opens")),
    ("machine_opens", N_("Machine opens")), ("unique_clicks", N_("Clicks (unique)")),
    ("total_clicks", N_("Clicks")), ("machine_clicks", N_("Machine clicks")),
    ("unsubscribes", N_("Unsubscribes")),
)  # fmt: skip


def rate_svg(trends: list[CampaignTrend], *, width: int = 720, height: int = 200) -> Markup:
    """Lines of human open and click rate per campaign, with the complaint rate as bars."""
    if not trends:
        return Markup("")
    pad, step = 40, (width - 60) / max(len(trends) - 1, 1)
    peak = max(max(t.open_rate, t.click_rate) for t in trends) or 1.0

    def points(attr: str) -> str:
        return " ".join(
            f"{pad + i * step:.1f},{height - (height - 20) * getattr(t, attr) / peak:.1f}"
            for i, t in enumerate(trends)
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 20}" role="img"'
        ' aria-label="Human open and click rates of the last campaigns">',
        f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#888"/>',
        f'<polyline fill="none" stroke="#3b6ea5" stroke-width="2" points="{points("open_rate")}"/>',
        f'<polyline fill="none" stroke="#d9822b" stroke-width="2" '
        f'points="{points("click_rate")}"/>',
    ]
    for i, t in enumerate(trends):
        x = pad + i * step
        parts.append(
            f'<circle cx="{x:.1f}" cy="{height - (height - 20) * t.open_rate / peak:.1f}" r="3"'
            f' fill="#3b6ea5"><title>{Markup.escape(t.name)}: {t.open_rate:.1%}</title></circle>'
        )
        parts.append(f'<text x="{x:.1f}" y="{height + 14}" font-size="10">{t.id}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, db: DbSession, login: CurrentLogin, _u: Viewer) -> HTMLResponse:
    """The last 12 campaigns side by side."""
    trends = recent_trends(db, limit=12)
    return render(
        request, "reports/trends.html", login=login, trends=trends, chart=rate_svg(trends),
        limit=COMPLAINT_LIMIT, dmarc=dmarc_summary(db, days=30),
    )  # fmt: skip


@router.get("/reports/campaigns/{campaign_id:int}", response_class=HTMLResponse)
def campaign_report_page(
    request: Request, db: DbSession, login: CurrentLogin, _u: Viewer, campaign_id: int
) -> HTMLResponse:
    """One campaign's report, per edition and announcement."""
    report = campaign_report(db, campaign_id=campaign_id)
    return render(
        request, "reports/campaign.html", login=login, report=report, figures=FIGURES,
        total=asdict(report.total), editions={k: asdict(v) for k, v in report.editions.items()},
        series_chart=series_svg(report.series), announcement_chart=bar_svg(report.announcements),
    )  # fmt: skip

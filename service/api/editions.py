"""Admin API for editions: previews (per segment or per subscriber), lint results, test sends."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from service.api.deps import SessionDep, require_admin
from service.campaigns import proofs
from service.campaigns.edition_subjects import matrix_subjects, set_edition_subject
from service.campaigns.lint_report import group_findings, report_as_json
from service.campaigns.linting import lint_campaign, summary_header
from service.campaigns.preview_dispatch import edition_preview
from service.settings import get_settings

LINT_HEADER = "X-Newsdesk-Lint"

router = APIRouter(
    prefix="/campaigns/{campaign_id}", tags=["editions"], dependencies=[Depends(require_admin)]
)


class TestSendIn(BaseModel):
    """Where to send a test edition, and which segment's edition in which language."""

    addresses: list[str] = Field(min_length=1, max_length=proofs.MAX_PROOF_ADDRESSES)
    segment: str | None = None
    lang: str = Field("en", pattern="^(de|en)$")


EMPTY_HEADER = "X-Newsdesk-Empty-Reasons"


def empty_page(reasons: list[str]) -> str:
    """A small page listing why the preview holds no announcement."""
    items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
    return f"<!DOCTYPE html><html><meta charset=utf-8><title>0</title><ul>{items}</ul></html>"


@router.get("/preview", response_class=HTMLResponse)
def preview_campaign(
    campaign_id: int,
    session: SessionDep,
    segment: str | None = None,
    lang: str = Query("en", pattern="^(de|en)$"),
    subscriber_id: int | None = None,
) -> Response:
    """The edition HTML for `segment` + `lang`, or exactly as `subscriber_id` gets it.

    The X-Newsdesk-Lint header summarises the lint result of the edition shown.
    """
    shown = edition_preview(
        session,
        campaign_id=campaign_id,
        segment_slug=segment,
        language=lang,
        subscriber_id=subscriber_id,
    )
    if shown.empty is not None:
        reasons = shown.empty
        return HTMLResponse(empty_page(reasons), headers={EMPTY_HEADER: str(len(reasons))})
    return HTMLResponse(shown.html, headers={LINT_HEADER: summary_header(shown.problems)})


@router.get("/lint")
def lint(
    campaign_id: int,
    session: SessionDep,
    all: bool = False,
    lang: str | None = Query(None, pattern="^(de|en)$"),
) -> dict[str, Any]:
    """Findings grouped by rule with advice (`lang`), trivia only with `all`; `ok`: schedulable."""
    results = lint_campaign(session, campaign_id=campaign_id)
    language = lang or get_settings().operator_language
    report = group_findings(results, language=language, include_trivia=all)
    return {
        "ok": not any(r.errors for r in results),
        **report_as_json(report),
        "editions": [
            {
                "language": r.language,
                "segment": r.segment,
                "announcement_ids": list(r.announcement_ids),
                "errors": len(r.errors),
                "problems": [
                    {"level": p.level, "code": p.code, "message": p.message} for p in r.problems
                ],
            }
            for r in results
        ],
    }


class EditionSubjectIn(BaseModel):
    """A subject for one edition ("" goes back to the language's subject)."""

    subject: str = Field(max_length=300)
    version: int | None = None


@router.get("/editions")
def list_editions(campaign_id: int, session: SessionDep) -> list[dict[str, Any]]:
    """The edition matrix: key, language, announcements, recipients, the subject each gets."""
    return [
        {
            "key": row.key,
            "language": row.language,
            "announcement_ids": list(row.announcement_ids),
            "recipients": row.recipients,
            "subject": row.subject,
            "written": row.written,
        }
        for row in matrix_subjects(session, campaign_id=campaign_id)
    ]


@router.put("/editions/{key}/subject")
def put_edition_subject(
    campaign_id: int, key: str, body: EditionSubjectIn, session: SessionDep
) -> dict[str, Any]:
    """Write the subject of edition `key` (as GET /editions lists it); lint checks it too."""
    campaign = set_edition_subject(
        session, campaign_id=campaign_id, key=key, subject=body.subject, version=body.version
    )
    return {"version": campaign.version, "edition_subjects": campaign.edition_subjects}


@router.post("/test-send")
def test_send(campaign_id: int, body: TestSendIn, session: SessionDep) -> list[dict[str, Any]]:
    """Send the segment's edition to each address with the subject marked [TEST]."""
    results = proofs.send_proofs(
        session,
        campaign_id=campaign_id,
        addresses=body.addresses,
        segment_slug=body.segment,
        language=body.lang,
        settings=get_settings(),
    )
    return [{"address": r.address, "accepted": r.accepted, "detail": r.detail} for r in results]

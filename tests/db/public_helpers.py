"""Shared setup for public-endpoint tests: the real app (service.api.app as shipped), people,
campaigns."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.domain.addresses import email_hash
from service.models import Campaign, ConsentEvent, Subscriber
from tests.conftest import TEST_SECRET
from tests.support.audience import hold_lists


def make_client() -> TestClient:
    """A client for the real app (every router, middleware and guard); never follows redirects."""
    from service.api.app import create_app

    return TestClient(create_app(), follow_redirects=False)


def add_subscriber(
    session: Session,
    email: str,
    *,
    language: str = "en",
    status: str = "confirmed",
    lists: list[str] | None = None,
) -> Subscriber:
    """A committed subscriber holding `lists` (default: every configured list)."""
    sub = Subscriber(
        email=email,
        email_hash=email_hash(email, TEST_SECRET.encode()),
        language=language,
        status=status,
        attributes={"topics": ["lung"]},
    )
    session.add(sub)
    hold_lists(session, [sub], lists)
    session.commit()
    return sub


def add_campaign(session: Session, list_slug: str = "newsletter") -> Campaign:
    """A committed campaign on a list."""
    campaign = Campaign(name="c", subject_en="s", subject_de="s", list_slug=list_slug)
    session.add(campaign)
    session.commit()
    return campaign


def ledger_count(session: Session) -> int:
    """Number of consent ledger rows."""
    session.expire_all()
    return int(session.execute(sa.select(sa.func.count()).select_from(ConsentEvent)).scalar_one())

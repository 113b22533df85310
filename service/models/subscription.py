"""Per-list subscriptions, the consent per list: only an active row lets its campaigns through."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class ListSubscription(SQLModel, table=True):
    """Membership of one subscriber in one mailing list (settings.mailing_lists)."""

    __tablename__ = "list_subscription"

    subscriber_id: int = Field(foreign_key="subscriber.id", primary_key=True, ondelete="CASCADE")
    list_slug: str = Field(max_length=64, primary_key=True)
    active: bool = True
    # every campaign ("issue"), or the list's weekly / monthly digest (models.automation.Cadence)
    cadence: str = Field(
        default="issue", max_length=16, sa_column_kwargs={"server_default": "issue"}
    )
    changed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

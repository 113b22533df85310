"""The consent ledger: append-only proof of every signup, confirmation, change and withdrawal.

Rows are never updated or deleted, with one sanctioned exception: erasure of the person
(GDPR Art. 17) and purge of never-confirmed signups, which open `ledger_erasure(session)` first.
Both databases enforce this with triggers (PostgreSQL: a plpgsql function reading a
transaction-local setting; SQLite: triggers asking a per-connection SQL function whether this
connection is inside `ledger_erasure`); the ORM guard below refuses before SQL is even sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, object_session
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel

from service.errors import NewsdeskError
from service.models._common import json_column, table_of, ts_column, utcnow


class ConsentEventKind(StrEnum):
    """What happened."""

    SIGNUP = "signup"
    CONFIRM = "confirm"
    PREFERENCE_CHANGE = "preference_change"
    WITHDRAWAL = "withdrawal"


class WithdrawalChannel(StrEnum):
    """How a withdrawal reached us."""

    ONE_CLICK = "one-click"
    LINK = "link"
    REPLY = "reply"
    ADMIN = "admin"


class LedgerIsAppendOnly(NewsdeskError):
    """An attempt to change or delete proof of consent."""


class ConsentEvent(SQLModel, table=True):
    """One entry of the ledger; `detail` holds what changed (lists, topics, import line)."""

    __tablename__ = "consent_event"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    event: str = Field(max_length=24)
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    ip: str | None = Field(default=None, max_length=45)
    source: str = Field(default="", max_length=500)
    consent_text: str = ""
    consent_version: str = Field(default="", max_length=32)
    # the privacy notice in force when this event happened (every event, not only signup)
    privacy_notice_version: str = Field(
        default="", max_length=32, sa_column_kwargs={"server_default": ""}
    )
    channel: str | None = Field(default=None, max_length=16)
    doi_sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    template_version: str | None = Field(default=None, max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))


ERASURE_FLAG = "ledger_erasure"
PG_SETTING = "newsdesk.ledger_erasure"


SQLITE_FUNCTION = "newsdesk_ledger_erasure"


@contextmanager
def ledger_erasure(session: Session) -> Iterator[None]:
    """Allow deleting ledger rows in this transaction only (erasure and purge, nothing else)."""
    dialect = session.get_bind().dialect.name
    permit: list[int] | None = None
    if dialect == "postgresql":
        session.execute(sa.text(f"SELECT set_config('{PG_SETTING}', 'on', true)"))
    elif dialect == "sqlite":
        permit = session.connection().connection.info.get(SQLITE_FUNCTION)
        if permit is not None:
            permit[0] = 1
    session.info[ERASURE_FLAG] = True
    try:
        yield
    finally:
        session.info.pop(ERASURE_FLAG, None)
        if permit is not None:
            permit[0] = 0
        if dialect == "postgresql" and session.in_transaction():
            # a transaction that failed inside refuses this; its rollback ends the setting anyway
            with suppress(sa.exc.DBAPIError):
                session.execute(sa.text(f"SELECT set_config('{PG_SETTING}', 'off', true)"))


@event.listens_for(Engine, "connect")
def _sqlite_permit_function(dbapi_conn: Any, record: Any) -> None:
    """Every SQLite connection gets the function the ledger triggers ask (0 unless erasing)."""
    if type(dbapi_conn).__module__.split(".")[0] not in {"sqlite3", "pysqlite2"}:
        return
    permit = [0]
    dbapi_conn.create_function(SQLITE_FUNCTION, 0, lambda: permit[0])
    record.info[SQLITE_FUNCTION] = permit


def _refuse_update(_mapper: Any, _conn: Any, target: ConsentEvent) -> None:
    raise LedgerIsAppendOnly(f"consent_event {target.id}: the consent ledger is append-only")


def _refuse_delete(_mapper: Any, _conn: Any, target: ConsentEvent) -> None:
    session = object_session(target)
    if session is None or not session.info.get(ERASURE_FLAG):
        raise LedgerIsAppendOnly(f"consent_event {target.id}: the consent ledger is append-only")


event.listen(ConsentEvent, "before_update", _refuse_update)
event.listen(ConsentEvent, "before_delete", _refuse_delete)


@event.listens_for(OrmSession, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    """Bulk UPDATE/DELETE statements skip mapper events, so check them here."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) != ConsentEvent.__tablename__:
        return
    if state.is_update or not state.session.info.get(ERASURE_FLAG):
        raise LedgerIsAppendOnly("consent_event: the consent ledger is append-only")


# Alembic migrations run the same DDL on PostgreSQL: op.execute(APPEND_ONLY_TRIGGER_DDL).
APPEND_ONLY_TRIGGER_DDL = sa.DDL(  # type: ignore[no-untyped-call]
    f"""
CREATE OR REPLACE FUNCTION consent_event_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('{PG_SETTING}', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
    MESSAGE = 'consent_event is append-only (' || TG_OP || ' refused)';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER consent_event_append_only BEFORE UPDATE OR DELETE ON consent_event
  FOR EACH ROW EXECUTE FUNCTION consent_event_append_only();
"""
)
event.listen(
    table_of(ConsentEvent),
    "after_create",
    APPEND_ONLY_TRIGGER_DDL.execute_if(dialect="postgresql"),
)

# SQLite: UPDATE always refused; DELETE only on a connection inside ledger_erasure(). A tool
# without the function (the sqlite3 shell) fails on "no such function", so it is refused too.
SQLITE_APPEND_ONLY_TRIGGERS = (
    """CREATE TRIGGER consent_event_no_update BEFORE UPDATE ON consent_event
BEGIN SELECT RAISE(ABORT, 'consent_event is append-only (UPDATE refused)'); END""",
    f"""CREATE TRIGGER consent_event_no_delete BEFORE DELETE ON consent_event
WHEN {SQLITE_FUNCTION}() = 0
BEGIN SELECT RAISE(ABORT, 'consent_event is append-only (DELETE refused)'); END""",
)
for _ddl in SQLITE_APPEND_ONLY_TRIGGERS:
    event.listen(
        ConsentEvent.__table__,  # type: ignore[attr-defined]
        "after_create",
        sa.DDL(_ddl).execute_if(dialect="sqlite"),  # type: ignore[no-untyped-call]
    )

"""What live stacks share: a migrated sibling database (and `wait_for`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from service.migrate import upgrade
from tests.support.waiting import wait_for as wait_for  # re-exported for the live stacks


def sibling_database(base_url: str, suffix: str) -> str:
    """`<test database>_<suffix>`, created when missing, emptied and migrated (a live server
    commits across processes, so it gets its own committed database instead of a SAVEPOINT)."""
    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(sa.text("select 1 from pg_database where datname = :n"), {"n": name})
        if found.first() is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    upgrade(target)
    return target


def publish_signup_mail(msg: Any) -> None:
    """What workers.publish.signup_mail does, through a Celery app built for this stack's
    settings (the process's module-level app may point at an earlier test's broker)."""
    from email.policy import SMTP

    from service.settings import get_settings
    from workers.celery_app import make_celery

    make_celery(get_settings()).send_task(
        "newsdesk.send_signup_mail", args=[msg.as_string(policy=SMTP)]
    )

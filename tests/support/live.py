"""What live stacks share: a migrated sibling database (and `wait_for`)."""

from __future__ import annotations

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

"""Shared benchmark setup: a fresh PostgreSQL database with demo content and N subscribers."""

from __future__ import annotations

import json
import os
import random
import resource

import psycopg
import sqlalchemy as sa

from service.db import reset_engine, session_scope
from service.demo.seed import seed
from service.domain.addresses import email_hash
from service.migrate import upgrade
from service.settings import get_settings, reset_settings

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/newsdesk_bench"
STAGES = ["phd", "postdoc", "pi", "clinician", "staff", "partner"]
TOPICS = ["lung", "ai-ml", "single-cell", "imaging", "genomics"]


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist yet."""
    admin_url, _, name = url.rpartition("/")
    engine = sa.create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(
            sa.text("select 1 from pg_database where datname=:n"), {"n": name}
        ).first():
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def fresh_database(url: str) -> None:
    """Create the benchmark database if needed and empty it, then migrate."""
    ensure_database(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    os.environ["NEWSDESK_DATABASE_URL"] = url
    reset_settings()
    reset_engine()
    upgrade()


def seed_content() -> int:
    """Demo coordinators, segments, announcements and a draft campaign; returns its id."""
    with session_scope() as session:
        return seed(session, secret=get_settings().secret_bytes, subscribers=0).campaign_id


def bulk_subscribers(url: str, count: int, *, seed_value: int = 7, tracking: float = 0.4) -> None:
    """COPY `count` confirmed subscribers with mixed languages and attributes."""
    rng = random.Random(seed_value)
    secret = get_settings().secret_bytes
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        columns = (
            "email, email_hash, name, language, attributes, tracking_consent, status, created_at"
        )
        with cur.copy(f"COPY subscriber ({columns}) FROM STDIN") as copy:
            for i in range(count):
                email = f"reader{i}@bench{i % 97}.example.org"
                attributes = {
                    "career_stage": rng.choice(STAGES),
                    "city": rng.choice(["munich", "chicago"]),
                    "topics": rng.sample(TOPICS, rng.randint(0, 3)),
                }
                copy.write_row(
                    (
                        email,
                        email_hash(email, secret),
                        f"Reader {i}",
                        rng.choice(["de", "en"]),
                        json.dumps(attributes),
                        rng.random() < tracking,
                        "confirmed",
                        "2026-01-01T00:00:00Z",
                    )
                )
        # consent per list: every bench reader holds the demo campaign's list
        cur.execute(
            "INSERT INTO list_subscription (subscriber_id, list_slug, active, changed_at)"
            " SELECT id, 'newsletter', true, now() FROM subscriber ON CONFLICT DO NOTHING"
        )
        cur.execute("ANALYZE subscriber")
        cur.execute("ANALYZE list_subscription")


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

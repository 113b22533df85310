"""Benchmark: import N subscribers (default 1,000,000) from CSV; prints rows/s and peak RSS.

    python -m bench.import [--rows N] [--database-url URL]   (default: the shared bench database)

On PostgreSQL the tables live in a private schema `bench_import` (dropped and recreated), so
the target database's own tables are untouched. Every row carries consent proof, so no mail is
built; a share of rows is invalid or duplicated to exercise the error report and the upsert.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from bench.common import DEFAULT_URL, ensure_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import service.models  # noqa: F401 - registers every table
from service.audience.importer import import_file

SCHEMA = "bench_import"
STAGES = ["phd", "postdoc", "pi", "clinician", "staff"]
CITIES = ["munich", "chicago", "berlin", "boston"]
TOPICS = ["lung", "ai-ml", "single-cell", "clinical"]


def write_csv(path: Path, rows: int) -> None:
    """A realistic file: every 1000th address invalid, every 500th a case-variant duplicate."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "email",
                "name",
                "language",
                "career_stage",
                "city",
                "topics",
                "consent_date",
                "consent_source",
            ]
        )
        for i in range(rows):
            email = f"person{i}@example{i % 97}.org"
            if i % 1000 == 999:
                email = f"broken{i}@@example.org"
            elif i % 500 == 499:
                email = f"PERSON{i - 1}@Example{(i - 1) % 97}.org"
            out.writerow(
                [
                    email,
                    f"Person {i}",
                    "de" if i % 3 else "en",
                    STAGES[i % 5],
                    CITIES[i % 4],
                    f"{TOPICS[i % 4]};{TOPICS[(i + 1) % 4]}",
                    "2025-06-01",
                    "legacy signup form",
                ]
            )


def make_engine(url: str) -> sa.Engine:
    """An engine whose tables live in a throwaway place."""
    if url.startswith("postgresql"):
        engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
    else:
        engine = sa.create_engine(url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    return engine


def main() -> None:
    """Generate, import, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=None)
    args = parser.parse_args()
    if args.database_url.startswith("postgresql"):
        ensure_database(args.database_url)
    engine = make_engine(args.database_url)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "subscribers.csv"
        write_csv(source, args.rows)
        size_mb = source.stat().st_size / 1e6
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = usage.ru_utime + usage.ru_stime
        started = time.perf_counter()
        with Session(engine) as session:
            result = import_file(
                session, path=source, checkpoint=session.commit, batch_size=args.batch
            )
            session.commit()
        elapsed = time.perf_counter() - started
    cpu = (
        resource.getrusage(resource.RUSAGE_SELF).ru_utime
        + resource.getrusage(resource.RUSAGE_SELF).ru_stime
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM subscriber")).scalar_one()
    print(f"backend          {engine.dialect.name}")
    print(f"rows in file     {result.rows:,} ({size_mb:.0f} MB)")
    print(f"created/updated  {result.created:,} / {result.updated:,}; refused {result.refused:,}")
    print(f"subscribers      {stored:,} stored")
    print(f"elapsed          {elapsed:.1f} s")
    print(f"rate             {result.rows / elapsed:,.0f} rows/s")
    print(f"client CPU       {cpu - cpu_before:.1f} s (the rest is database time and waiting)")
    print(f"peak RSS         {peak:.0f} MiB (before import: {rss_before:.0f} MiB)")


if __name__ == "__main__":
    main()

"""Figure: do the demo's captured subjects promise only what each mail holds? (issue 14.6)

Run after `./dev demo --no-serve`: .venv/bin/python -m bench.demo_subjects
Prints messages=<n> distinct_subjects=<d> naming_a_missing_item=<m> over var/demo/maildir,
judged by the same rule the lint gate applies (service/campaigns/subjects.py).
"""

from __future__ import annotations

import email
import email.policy
import mailbox

from sqlmodel import Session, select

from service.campaigns.subjects import subject_problems
from service.db import get_engine
from service.models import Announcement, Delivery, Edition


def main() -> None:
    """Read every captured message and check its Subject against its edition."""
    box = mailbox.Maildir("var/demo/maildir", create=False)
    with Session(get_engine()) as session:
        items = list(session.exec(select(Announcement)))
        editions = {e.key: e for e in session.exec(select(Edition))}
        deliveries = {d.message_id: d for d in session.exec(select(Delivery))}
    bad = total = 0
    subjects: set[str] = set()
    for key in box.iterkeys():
        msg = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        subject = str(msg["Subject"]).strip()
        total += 1
        subjects.add(subject)
        edition = editions[deliveries[msg["Message-ID"]].edition_key]
        shown = [a for a in items if a.id in edition.announcement_ids]
        lacking = [a for a in items if a.id not in edition.announcement_ids]
        language = edition.language
        problems = subject_problems(subject, language=language, shown=shown, lacking=lacking)
        bad += bool(problems)
    print(f"messages={total} distinct_subjects={len(subjects)} naming_a_missing_item={bad}")


if __name__ == "__main__":
    main()

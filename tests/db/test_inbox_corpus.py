"""200 corpus mails, none lost: each end in an inbox, triage or a non-inquiry kind."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlmodel import Session, select

from bench.inbound import _wrap_reply, corpus_files
from service.addressing.mailbox_tokens import MailTokenDecoder
from service.addressing.tokens import codec
from service.demo.seed import seed
from service.inbound.acting.processing import process_inbound
from service.inbox.clock import SystemClock
from service.inbox.queries import inbox_for, triage_queue
from service.models import Announcement, Coordinator, InboundMessage, Inquiry, Subscriber
from service.settings import get_settings
from tests.unit.corpus_figures import corpus_available

NON_INQUIRY = {"bounce", "complaint", "autoreply", "unsubscribe"}
QUOTA = {"replies": 89, "autoreplies": 14, "complaints": 19, "bounces": 78}  # 200 in all


@pytest.fixture
def corpus_jobs(session: Session) -> list[tuple[str, list[str], bytes]]:
    """The demo world and 200 corpus mails (every reply, auto-reply and complaint, then bounces)
    addressed as they would come back: bounces to VERP, the rest to genuine reply+ tokens."""
    if not corpus_available():
        pytest.fail("/work/shared/corpus is required for this test")
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=40)
    session.commit()
    people = [(p.id or 0, p.email) for p in session.exec(select(Subscriber))]
    anns = [a.id or 0 for a in session.exec(select(Announcement))]
    s, tok, rng = get_settings(), codec(), random.Random(12)
    taken: Counter[str] = Counter()
    jobs = []
    for folder, path, body_only in corpus_files():
        if taken[folder] >= QUOTA[folder]:
            continue
        taken[folder] += 1
        sid, email = rng.choice(people)
        if folder in ("bounces", "complaints"):
            verp = f"bounces+{tok.verp(summary.campaign_id, sid)}@{s.bounce_domain}"
            jobs.append(("", [verp], path.read_bytes()))
            continue
        token = tok.reply(summary.campaign_id, sid, rng.choice([0, *anns]))
        to = f"reply+{token}@{s.reply_domain}"
        raw = path.read_bytes()
        raw = _wrap_reply(raw, sender=email, to=to) if body_only else raw
        jobs.append((email, [to], raw))
    assert len(jobs) == 200, taken
    return jobs


def test_two_hundred_corpus_mails_none_lost(session: Session, corpus_jobs) -> None:
    decoder, outcomes = MailTokenDecoder(), Counter()
    for sender, rcpts, raw in corpus_jobs:
        row = InboundMessage(raw=raw, envelope_from=sender, envelope_to=rcpts)
        session.add(row)
        session.commit()
        outcome = process_inbound(session, message_id=row.id or 0, decoder=decoder)
        session.commit()
        outcomes[(outcome.kind, outcome.action)] += 1
    now = SystemClock().now()
    inboxes = {
        line.id for c in session.exec(select(Coordinator))
        for line in inbox_for(session, coordinator_id=c.id or 0, now=now)
    }  # fmt: skip
    triage = {line.id for line in triage_queue(session, now=now)}
    inquiries = {i.inbound_message_id: i.id for i in session.exec(select(Inquiry))}
    homeless = []
    for row in session.exec(select(InboundMessage)):
        kind = (row.verdict or {}).get("kind")
        placed = inquiries.get(row.id)
        if placed is not None:
            ok = (placed in inboxes) != (placed in triage)  # exactly one home
        else:  # a non-inquiry kind, or machine mail parked with its reason (relay's rule)
            machine = row.status == "quarantined" and (row.quarantine_reason or "").startswith(
                "automatic mail"
            )
            ok = (kind in NON_INQUIRY and row.status == "processed") or machine
        if not ok:
            homeless.append((row.id, row.status, kind, row.quarantine_reason))
    assert not homeless, f"{len(homeless)} lost: {homeless[:10]}; outcomes {outcomes}"
    assert len(inquiries) >= 80 and triage and inboxes  # both homes are used by the mix
    print(f"\ninbox corpus mix: {dict(outcomes)}; inbox {len(inboxes)}, triage {len(triage)}")

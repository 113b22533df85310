"""Load the demo data set: coordinators, segments, announcements, 360 subscribers, a campaign."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlmodel import Session

from service.campaigns.authoring import save_campaign
from service.content.announcements import save_announcement
from service.content.approval import approve, submit
from service.demo.content import ANNOUNCEMENTS, CAMPAIGN, COORDINATORS, SEGMENTS
from service.domain.addresses import email_hash, normalise_email
from service.models import (
    ConsentEvent,
    ConsentEventKind,
    Coordinator,
    ListSubscription,
    Segment,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
)
from service.models._common import utcnow

FIRST = [
    "Anna",
    "Jonas",
    "Lea",
    "Maximilian",
    "Sophie",
    "Lukas",
    "Marie",
    "Felix",
    "Emily",
    "Noah",
    "Olivia",
    "Liam",
    "Ava",
    "Ethan",
    "Mia",
    "Jürgen",
    "Zoë",
    "Björn",
    "Ayşe",
    "Renée",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Garcia",
    "Nguyen",
    "Kowalski",
    "Öztürk",
    "Hoffmann",
    "Becker",
    "Patel",
    "O'Neil",
    "Lee",
]
STAGES = ["phd", "postdoc", "pi", "clinician", "staff", "partner"]
TOPICS = ["lung", "ai-ml", "single-cell", "imaging", "genomics"]


@dataclass(frozen=True)
class DemoSummary:
    """What the seed created."""

    subscribers: int
    confirmed: int
    eligible: int  # confirmed and not suppressed: each must get exactly one message
    campaign_id: int


def _subscriber(i: int, rng: random.Random, secret: bytes) -> Subscriber:
    city = rng.choice(["munich", "munich", "chicago"])
    language = "de" if (city == "munich" and rng.random() < 0.7) else "en"
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = normalise_email(
        f"{first}.{last}.{i}@{city}.example.org".replace("'", "").encode("ascii", "ignore").decode()
    )
    status = SubscriberStatus.CONFIRMED
    if i % 29 == 0:
        status = SubscriberStatus.UNCONFIRMED  # never confirmed: double opt-in excludes them
    elif i % 41 == 0:
        status = SubscriberStatus.UNSUBSCRIBED
    return Subscriber(
        email=email,
        email_hash=email_hash(email, secret),
        name=f"{first} {last}",
        language=language,
        status=status,
        confirmed_at=utcnow() if status == SubscriberStatus.CONFIRMED else None,
        tracking_consent=rng.random() < 0.4,
        attributes={
            "career_stage": rng.choice(STAGES),
            "city": city,
            "institution": "Helmholtz Munich" if city == "munich" else "Chicago Medical School",
            "topics": sorted(rng.sample(TOPICS, rng.randint(0, 3))),
        },
    )


def lists_of(person: Subscriber) -> list[str]:
    """The demo's consent per list: everyone the newsletter, early-career people also ECR."""
    stage = (person.attributes or {}).get("career_stage")
    return ["newsletter", "ecr"] if stage in ("phd", "postdoc") else ["newsletter"]


def _consents(session: Session, people: list[Subscriber]) -> None:
    """Each demo subscriber's lists, with the signup (and confirmation) the ledger must prove."""
    for person in people:
        assert person.id is not None
        lists = lists_of(person)
        session.add_all(ListSubscription(subscriber_id=person.id, list_slug=s) for s in lists)
        detail = {"lists": lists, "lawful_basis": "consent", "demo": True}
        events = [ConsentEventKind.SIGNUP]
        if person.status != SubscriberStatus.UNCONFIRMED:
            events.append(ConsentEventKind.CONFIRM)
        session.add_all(
            ConsentEvent(subscriber_id=person.id, event=e, source="demo seed", detail=detail)
            for e in events
        )


def seed(
    session: Session, *, secret: bytes, subscribers: int = 360, seed_value: int = 2026
) -> DemoSummary:
    """Create the demo world and a draft campaign to everyone; returns counts and its id."""
    rng = random.Random(seed_value)
    coordinator_ids = {}
    for data in COORDINATORS:
        row = Coordinator(**{k: v for k, v in data.items() if k != "key"})
        session.add(row)
        session.flush()
        coordinator_ids[data["key"]] = row.id
    for data in SEGMENTS:
        session.add(Segment(**data))
    session.flush()
    for data in ANNOUNCEMENTS:
        fields = {k: v for k, v in data.items() if k not in ("segments", "coordinator")}
        fields["coordinator_id"] = coordinator_ids[data["coordinator"]]
        item = save_announcement(session, fields=fields, segments=data["segments"])
        assert item.id is not None
        # The demo's content went through the workflow (actor None: the system).
        submit(session, announcement_id=item.id, actor_id=None)
        approve(session, announcement_id=item.id, actor_id=None)
    people = [_subscriber(i, rng, secret) for i in range(1, subscribers + 1)]
    session.add_all(people)
    session.flush()
    _consents(session, people)
    # One confirmed reader later complained; the suppression list must keep them out.
    if len(people) > 4:
        session.add(
            Suppression(email_hash=people[4].email_hash, reason=SuppressionReason.COMPLAINT)
        )
    session.flush()
    fields = {k: v for k, v in CAMPAIGN.items() if k != "segments"}
    campaign = save_campaign(session, fields=fields, include=CAMPAIGN["segments"], exclude=[])
    confirmed = sum(p.status == SubscriberStatus.CONFIRMED for p in people)
    complained = int(len(people) > 4 and people[4].status == SubscriberStatus.CONFIRMED)
    assert campaign.id is not None
    return DemoSummary(len(people), confirmed, confirmed - complained, campaign.id)

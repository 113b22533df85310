"""Routing an edition-level reply: own words first, a quote only when it names one announcement."""

from __future__ import annotations

from sqlmodel import Session

from service.addressing.mailbox_tokens import ReplyTarget
from service.inbox.routing import route_announcement
from service.models import Announcement, Coordinator
from tests.db.inbound_fixtures import world

EDITION = ReplyTarget(campaign_id=1, subscriber_id=1, announcement_id=None)


def _second_announcement(session: Session) -> Announcement:
    """A lung conference item with its own coordinator, next to the research-stays one."""
    office = Coordinator(name="Conference office", email="conf@partner.example")
    session.add(office)
    session.flush()
    ann = Announcement(
        slug="lung-conference",
        title_en="Call for contributions: lung conference",
        topic="lung",
        coordinator_id=office.id,
    )
    session.add(ann)
    session.commit()
    return ann


def test_quote_of_the_whole_edition_falls_through_to_topic_rules(session: Session) -> None:
    _, _, _, stays = world(session)
    conference = _second_announcement(session)
    quoted = f"> {stays.title_de}\n> ...\n> {conference.title_en}\n"
    found = route_announcement(
        session,
        target=EDITION,
        text="Can I still submit a poster abstract?",
        quoted=quoted,
        topics={"lung": ["abstract"]},
    )
    assert found is not None and found.id == conference.id


def test_quote_of_one_section_routes_to_it_and_own_words_win(session: Session) -> None:
    _, _, _, stays = world(session)
    conference = _second_announcement(session)
    one = route_announcement(
        session, target=EDITION, text="Any fee?", quoted=f"> {conference.title_en}\n", topics={}
    )
    assert one is not None and one.id == conference.id
    own = route_announcement(
        session,
        target=EDITION,
        text=f"About '{stays.title_en}': is housing provided?",
        quoted=f"> {stays.title_de}\n> {conference.title_en}\n",
        topics={},
    )
    assert own is not None and own.id == stays.id


def test_ambiguous_quote_without_topic_goes_to_triage(session: Session) -> None:
    _, _, _, stays = world(session)
    conference = _second_announcement(session)
    quoted = f"> {stays.title_de}\n> {conference.title_en}\n"
    assert (
        route_announcement(session, target=EDITION, text="Hello", quoted=quoted, topics={}) is None
    )

"""Assembly on the demo data: per segment mix, which announcements, in which order and language.

Each reader's edition comes from `subscriber_edition`, i.e. the same SQL edition key that fan-out
computes (build_plan restricted to the one subscriber), then the rendered HTML is checked too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session

from service.campaigns.fanout import fan_out_chunk
from service.campaigns.lifecycle import apply_action, get_campaign
from service.campaigns.subscriber_view import subscriber_edition, subscriber_preview_html
from service.demo.seed import seed
from service.domain.addresses import email_hash
from service.domain.campaign_states import CampaignAction
from service.errors import NotFound
from service.models import Delivery, Subscriber, SubscriberStatus
from service.models._common import utcnow
from service.settings import get_settings, reset_settings
from tests.support.audience import hold_lists

MOU_DE = "München und Chicago unterzeichnen Absichtserklärung zu maschinellem Lernen in der Medizin"
MOU_EN = "Munich and Chicago sign a memorandum of understanding on machine learning in health"
STAYS_DE = "Forschungsaufenthalte an der Medical School in Chicago: jetzt bewerben"
SEED_DE = (
    "Bayerische Anschubfinanzierung für tiefe integrative Modellierung multimodaler "
    "medizinischer Daten"
)
LUNG_EN = "Call for contributions: Munich-Chicago Lung Conference"
LUNG_DE = "Beiträge gesucht: Lungenkonferenz München-Chicago"
ATLAS_EN = "Human lung cell atlas: new release and training workshop"
FALLBACK_NOTE_DE = "Diese Meldung liegt nur auf Englisch vor."


@dataclass(frozen=True)
class Reader:
    """A hand-made subscriber with a known segment mix."""

    key: str
    language: str
    attributes: dict[str, Any]


READERS = {
    "ecr_aiml_munich_de": Reader(
        "ecr", "de", {"career_stage": "phd", "city": "munich", "topics": ["ai-ml"]}
    ),
    "clinician_chicago_en": Reader(
        "clin", "en", {"career_stage": "clinician", "city": "chicago", "topics": []}
    ),
    "pi_lung_de": Reader("pi", "de", {"career_stage": "pi", "city": "munich", "topics": ["lung"]}),
    "pi_lung_en": Reader(
        "pien", "en", {"career_stage": "pi", "city": "chicago", "topics": ["lung"]}
    ),
    "staff_no_topics_en": Reader(
        "staff", "en", {"career_stage": "staff", "city": "munich", "topics": []}
    ),
}
# Expected: (titles in order, fallback language per announcement or None)
EXPECTED = {
    "ecr_aiml_munich_de": ([MOU_DE, STAYS_DE, SEED_DE], [None, None, None]),
    "clinician_chicago_en": ([MOU_EN, LUNG_EN], [None, None]),
    "pi_lung_de": ([MOU_DE, LUNG_DE, ATLAS_EN], [None, None, "en"]),
    "pi_lung_en": ([MOU_EN, LUNG_EN, ATLAS_EN], [None, None, None]),
    "staff_no_topics_en": ([MOU_EN], [None]),
}


def _world(session: Session) -> tuple[int, dict[str, int]]:
    """The demo data plus one reader per segment mix; returns the campaign and reader ids."""
    secret = get_settings().secret_bytes
    summary = seed(session, secret=secret, subscribers=30)
    ids = {}
    for name, reader in READERS.items():
        email = f"{reader.key}@readers.example.org"
        row = Subscriber(
            email=email,
            email_hash=email_hash(email, secret),
            name=f"Reader {reader.key}",
            language=reader.language,
            status=SubscriberStatus.CONFIRMED,
            confirmed_at=utcnow(),
            attributes=reader.attributes,
        )
        session.add(row)
        hold_lists(session, [row])
        assert row.id is not None
        ids[name] = row.id
    session.commit()
    return summary.campaign_id, ids


@pytest.mark.parametrize("reader", sorted(READERS))
def test_each_segment_mix_gets_its_announcements_in_order_and_language(
    session: Session, reader: str
) -> None:
    campaign_id, ids = _world(session)
    edition = subscriber_edition(session, campaign_id=campaign_id, subscriber_id=ids[reader])
    titles, fallbacks = EXPECTED[reader]
    assert edition.spec.language == READERS[reader].language
    assert [a.title for a in edition.spec.announcements] == titles
    assert [a.fallback_language for a in edition.spec.announcements] == fallbacks
    html = subscriber_preview_html(session, campaign_id=campaign_id, subscriber_id=ids[reader])
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions)  # priority order in the rendered edition too
    assert f'lang="{READERS[reader].language}"' in html
    assert (FALLBACK_NOTE_DE in html) == ("en" in fallbacks)
    assert f"Reader {READERS[reader].key}" in html  # their own greeting
    assert "NDPH" not in html  # every placeholder filled
    # a preview does not freeze the draft's announcement plan
    session.expire_all()
    assert get_campaign(session, campaign_id=campaign_id).plan_announcement_ids is None


def test_missing_translation_can_omit_instead_of_falling_back(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id, ids = _world(session)
    monkeypatch.setenv("NEWSDESK_MISSING_TRANSLATION", "omit")
    reset_settings()
    edition = subscriber_edition(session, campaign_id=campaign_id, subscriber_id=ids["pi_lung_de"])
    assert [a.title for a in edition.spec.announcements] == [MOU_DE, LUNG_DE]


def test_preview_key_equals_the_fan_out_key(session: Session) -> None:
    """After fan-out, the delivery row's key is what the subscriber view uses, and they agree."""
    campaign_id, ids = _world(session)
    before = {
        name: subscriber_edition(session, campaign_id=campaign_id, subscriber_id=sid).key
        for name, sid in ids.items()
    }
    campaign = get_campaign(session, campaign_id=campaign_id)
    campaign.send_at = utcnow()
    apply_action(session, campaign_id=campaign_id, action=CampaignAction.SCHEDULE)
    apply_action(session, campaign_id=campaign_id, action=CampaignAction.START)
    while not fan_out_chunk(session, campaign_id=campaign_id, chunk_size=1000).done:
        pass
    session.commit()
    for name, sid in ids.items():
        delivery = session.exec(
            Delivery.__table__.select().where(
                Delivery.__table__.c.campaign_id == campaign_id,
                Delivery.__table__.c.subscriber_id == sid,
            )
        ).one()
        assert delivery.edition_key == before[name]
    # different announcement sets or languages give different edition keys
    assert before["pi_lung_en"] != before["clinician_chicago_en"]
    assert before["pi_lung_de"].startswith("de:")


def test_subscriber_outside_the_audience_is_a_clear_not_found(session: Session) -> None:
    campaign_id, ids = _world(session)
    reader = session.get(Subscriber, ids["staff_no_topics_en"])
    assert reader is not None
    reader.status = SubscriberStatus.UNSUBSCRIBED
    session.add(reader)
    session.commit()
    with pytest.raises(NotFound, match="gets nothing from campaign"):
        subscriber_edition(
            session, campaign_id=campaign_id, subscriber_id=ids["staff_no_topics_en"]
        )
    with pytest.raises(NotFound, match="does not exist"):
        subscriber_edition(session, campaign_id=campaign_id, subscriber_id=99_999)

"""Preference centre via signed link: lists, topics, language, tracking consent, leave all."""

from __future__ import annotations

from sqlmodel import Session, select

from service.addressing.link_tokens import make_preferences, make_unsubscribe
from service.models import ConsentEvent, ListSubscription, Subscriber, Suppression
from tests.db.public_helpers import add_subscriber, ledger_count, make_client


def test_page_shows_choices_with_tracking_off_by_default(session: Session) -> None:
    """Lists checked, known topics listed, tracking consent unchecked for a new subscriber."""
    sub = add_subscriber(session, "p@x.org", language="de")
    response = make_client().get(f"/p/{make_preferences(sub.id)}")
    assert response.status_code == 200 and "Newsletter-Einstellungen" in response.text
    assert 'name="lists" value="ecr" checked' in response.text
    assert 'name="topics" value="lung" checked' in response.text
    assert 'name="topics" value="ai-ml">' in response.text
    assert 'name="tracking" value="on">' in response.text  # not checked


def test_saving_changes_and_records_them(session: Session) -> None:
    """Leave one list, change topics/language, give tracking consent: state and ledger."""
    sub = add_subscriber(session, "s@x.org")
    data = {"lists": ["newsletter"], "topics": ["ai-ml"], "language": "de", "tracking": "on"}
    response = make_client().post(f"/p/{make_preferences(sub.id)}", data=data)
    assert response.status_code == 200 and "gespeichert" in response.text  # new language
    session.expire_all()
    fresh = session.get(Subscriber, sub.id)
    assert (fresh.language, fresh.tracking_consent) == ("de", True)
    assert fresh.attributes["topics"] == ["ai-ml"] and fresh.status == "confirmed"
    assert not session.get(ListSubscription, (sub.id, "ecr")).active
    events = {e.event: e for e in session.exec(select(ConsentEvent))}
    assert events["withdrawal"].detail == {"scope": "list", "lists": ["ecr"]}
    assert events["withdrawal"].channel == "link"
    assert events["preference_change"].detail["tracking_consent"] == [False, True]
    again = make_client().post(f"/p/{make_preferences(sub.id)}", data=data)
    assert again.status_code == 200 and ledger_count(session) == 2  # no change, no row


def test_leave_everything_suppresses_globally(session: Session) -> None:
    """'Unsubscribe from everything': status, suppression entry, withdrawal row; page says so."""
    sub = add_subscriber(session, "all@x.org")
    url = f"/p/{make_preferences(sub.id)}"
    response = make_client().post(url, data={"action": "leave_all"})
    assert response.status_code == 200 and "unsubscribed from all" in response.text
    session.expire_all()
    assert session.get(Subscriber, sub.id).status == "unsubscribed"
    assert session.exec(select(Suppression)).one().reason == "unsubscribed"
    assert session.exec(select(ConsentEvent)).one().detail["scope"] == "all"


def test_unknown_list_is_a_clear_error(session: Session) -> None:
    """A tampered form names an unknown list: 422 with the reason, nothing stored."""
    sub = add_subscriber(session, "t@x.org")
    response = make_client().post(f"/p/{make_preferences(sub.id)}", data={"lists": ["nope"]})
    assert response.status_code == 422
    assert "Please choose from the newsletters offered." in response.text
    assert ledger_count(session) == 0


def test_bad_tokens_get_the_same_404(session: Session) -> None:
    """An unsubscribe token, a forged one and an unknown id are all the same 404."""
    sub = add_subscriber(session, "z@x.org")
    client = make_client()
    bodies = {
        client.get(f"/p/{t}").text
        for t in (make_unsubscribe(sub.id, 1), make_preferences(sub.id) + "x", make_preferences(77))
    }
    assert len(bodies) == 1 and client.get(f"/p/{make_preferences(77)}").status_code == 404


def test_unsubscribed_people_cannot_rejoin_through_the_form(session: Session) -> None:
    """After leaving everything, a crafted save is refused; coming back needs double opt-in."""
    sub = add_subscriber(session, "back@x.org")
    url = f"/p/{make_preferences(sub.id)}"
    client = make_client()
    client.post(url, data={"action": "leave_all"})
    response = client.post(url, data={"lists": ["newsletter"], "language": "en"})
    assert response.status_code == 422 and "subscribe again" in response.text
    session.expire_all()
    assert session.get(Subscriber, sub.id).status == "unsubscribed"

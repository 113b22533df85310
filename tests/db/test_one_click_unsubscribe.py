"""RFC 8058 one-click unsubscribe (STANDARDS B4, B6, B7) on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from freezegun import freeze_time
from sqlmodel import Session, select

from service.addressing.link_tokens import make_preferences, make_unsubscribe
from service.api.public import CSRF_EXEMPT_PATHS, router
from service.audience.segments import audience_condition
from service.models import ConsentEvent, ListSubscription, Subscriber, Suppression
from tests.db.public_helpers import add_campaign, add_subscriber, ledger_count, make_client

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def _active(session: Session, sub_id: int, slug: str) -> bool:
    session.expire_all()
    row = session.get(ListSubscription, (sub_id, slug))
    return row is not None and row.active  # no row: no consent for that list


def test_B4_D3_post_form_encoded_unsubscribes_with_200_and_no_redirect(session: Session) -> None:
    """Form-encoded POST: 2xx, no Location, no cookie, list left, ledger says one-click."""
    sub = add_subscriber(session, "a@x.org")
    campaign = add_campaign(session, "ecr")
    client = make_client()
    url = f"/u/{make_unsubscribe(sub.id, campaign.id)}"
    response = client.post(url, data=ONE_CLICK)
    assert response.status_code == 200
    assert "location" not in response.headers and "set-cookie" not in response.headers
    assert not _active(session, sub.id, "ecr")
    assert _active(session, sub.id, "newsletter")  # B7: only that list
    row = session.exec(select(ConsentEvent)).one()
    assert (row.event, row.channel, row.detail["list"]) == ("withdrawal", "one-click", "ecr")
    again = client.post(url, data=ONE_CLICK)
    assert again.status_code == 200
    assert ledger_count(session) == 1  # idempotent: nothing new happened


def test_B4_post_multipart_also_works(session: Session) -> None:
    """multipart/form-data body with the same field."""
    sub = add_subscriber(session, "m@x.org")
    campaign = add_campaign(session)
    response = make_client().post(
        f"/u/{make_unsubscribe(sub.id, campaign.id)}",
        files={"List-Unsubscribe": (None, "One-Click")},
    )
    assert response.status_code == 200
    assert "multipart/form-data" in response.request.headers["content-type"]
    assert not _active(session, sub.id, "newsletter")


def test_B4_get_changes_nothing_and_offers_a_button(session: Session) -> None:
    """GET shows a page whose form POSTs to the same URL; the database is unchanged."""
    sub = add_subscriber(session, "g@x.org", language="de")
    campaign = add_campaign(session)
    url = f"/u/{make_unsubscribe(sub.id, campaign.id)}"
    response = make_client().get(url)
    assert response.status_code == 200
    assert f'action="{url}"' in response.text and 'method="post"' in response.text
    assert "Abmelden" in response.text  # the subscriber's language
    assert _active(session, sub.id, "newsletter") and ledger_count(session) == 0


def test_B4_post_without_one_click_body_changes_nothing(session: Session) -> None:
    """A POST that is not RFC 8058 gets the button page (400), nothing changes."""
    sub = add_subscriber(session, "n@x.org")
    campaign = add_campaign(session)
    response = make_client().post(f"/u/{make_unsubscribe(sub.id, campaign.id)}", data={"x": "y"})
    assert response.status_code == 400
    assert _active(session, sub.id, "newsletter")


def test_B4_bad_tokens_all_get_the_same_404(session: Session) -> None:
    """Forged, unknown-subscriber, wrong-kind and garbage tokens are indistinguishable."""
    sub = add_subscriber(session, "f@x.org")
    campaign = add_campaign(session)
    good = make_unsubscribe(sub.id, campaign.id)
    flipped = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    bad = [flipped, make_unsubscribe(999, campaign.id), make_preferences(sub.id), "x", "a.b.c"]
    client = make_client()
    bodies = set()
    for token in bad:
        for response in (client.get(f"/u/{token}"), client.post(f"/u/{token}", data=ONE_CLICK)):
            assert response.status_code == 404
            bodies.add(response.text)
    assert len(bodies) == 1
    assert _active(session, sub.id, "newsletter") and ledger_count(session) == 0


def test_B6_link_works_after_400_days_and_for_deleted_campaigns(session: Session) -> None:
    """Tokens never expire (B6); if the campaign is gone, the person leaves everything."""
    sub = add_subscriber(session, "old@x.org")
    token = make_unsubscribe(sub.id, 424242)
    with freeze_time("2028-01-01"):
        response = make_client().post(f"/u/{token}", data=ONE_CLICK)
    assert response.status_code == 200
    session.expire_all()
    assert session.get(Subscriber, sub.id).status == "unsubscribed"
    assert session.exec(select(Suppression)).one().email_hash == sub.email_hash


def test_one_click_leaves_the_campaign_audience_for_that_list(session: Session) -> None:
    """After leaving list 'ecr' the person is out of ecr audiences, still in newsletter ones."""
    sub = add_subscriber(session, "aud@x.org")
    campaign = add_campaign(session, "ecr")
    make_client().post(f"/u/{make_unsubscribe(sub.id, campaign.id)}", data=ONE_CLICK)

    def audience(slug: str) -> list[int]:
        cond = audience_condition(
            session, include_rules=[{"all": []}], exclude_rules=[], list_slug=slug
        )
        return list(session.execute(sa.select(Subscriber.id).where(cond)).scalars())

    assert audience("ecr") == [] and audience("newsletter") == [sub.id]


def test_B4_route_table_lists_the_csrf_exemption() -> None:
    """The one-click POST route exists and is declared exempt from CSRF/session middleware
    (the real app serving it without either: test_B4_real_app_one_click_needs_no_cookie...)."""
    posts = {r.path for r in router.routes if "POST" in getattr(r, "methods", set())}
    assert "/u/{token}" in posts
    assert {"/u/{token}"} == CSRF_EXEMPT_PATHS


def test_B4_real_app_one_click_needs_no_cookie_origin_or_token(session: Session) -> None:
    """From a mailbox provider's server: a foreign Origin, stray cookies, no CSRF token: 200."""
    sub = add_subscriber(session, "provider@x.org")
    campaign = add_campaign(session)
    client = make_client()
    client.cookies.set("newsroom_session", "not-a-session")
    response = client.post(
        f"/u/{make_unsubscribe(sub.id, campaign.id)}",
        data=ONE_CLICK,
        headers={"Origin": "https://mail.google.com", "Referer": "https://mail.google.com/"},
    )
    assert response.status_code == 200, response.text
    assert "location" not in response.headers
    assert not _active(session, sub.id, "newsletter")

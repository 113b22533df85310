"""The coordinators' inbox in Chromium, on a live stack (server, worker, receiver, SMTP capture).

A subscriber's reply goes over SMTP to the inbound receiver; the worker routes it; the
coordinator finds it in their inbox, answers with a German canned answer, and the subscriber's
mailbox receives a threaded answer whose DKIM signature verifies. Another coordinator is
refused by the server. Reassign, close, reopen and notes are done through the pages, which
axe-core scans; screenshots of the inbox and the thread go to docs/screenshots/.
"""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import dkim
import pytest
from sqlmodel import Session, select

from service.accounts.users import create_user
from service.addressing.tokens import codec
from service.db import session_scope
from service.demo.seed import seed
from service.inbox import canned
from service.models import Announcement, Coordinator, Inquiry, Subscriber
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.inbox_stack import InboxStack, inbox_stack, wait_for

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CANNED_DE = (
    "Hallo {{ subscriber_name }}, danke für Ihre Frage zu „{{ announcement_title }}“. "
    "Die Bewerbungsfrist ist der 1. Mai.\n\nViele Grüße\n{{ coordinator_name }}"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InboxStack]:
    """The live stack, seeded with the demo world and a German canned answer."""
    var = tmp_path_factory.mktemp("inbox-e2e")
    with inbox_stack(var, database_url=postgres_url(), broker_url=redis_url()) as live:
        with session_scope() as session:
            seed(session, secret=get_settings().secret_bytes, subscribers=12)
            canned.save(session, name="Bewerbungsfrist", language="de", body=CANNED_DE)
        yield live


def _user(role: str, coordinator_id: int | None = None) -> tuple[str, str, str]:
    """(email, password, display name) of a new newsroom user."""
    email_, password = (
        f"{role}.{uuid.uuid4().hex[:8]}@newsroom.example.org",
        "pw-" + uuid.uuid4().hex,
    )
    name = f"{role.capitalize()} {uuid.uuid4().hex[:4]}"
    with session_scope() as session:
        create_user(session, email=email_, display_name=name, role=role, password=password,
                    coordinator_id=coordinator_id, language="de")  # fmt: skip
    return email_, password, name


def _log_in(page: Any, stack: InboxStack, account: tuple[str, str, str]) -> None:
    """Through the login form, as a person would."""
    page.goto(stack.url("/newsroom/login"))
    page.locator("#email").fill(account[0])
    page.locator("#password").fill(account[1])
    page.locator("main button[type=submit]").click()
    page.wait_for_url(stack.url("/newsroom/"))


@pytest.fixture
def context_factory(browser: Any) -> Iterator[Any]:
    """Fresh browser contexts (one per person)."""
    made: list[Any] = []

    def make(viewport: dict[str, int] = DESKTOP) -> Any:
        context = browser.new_context(viewport=viewport, locale="de-DE")
        context.set_default_timeout(15_000)
        made.append(context)
        return context.new_page()

    yield make
    for context in made:
        context.close()


def _reply(stack: InboxStack, *, subscriber: Subscriber, ann: Announcement | None, text: str,
           message_id: str, subject: str) -> str:  # fmt: skip
    """The subscriber replies to the newsletter item over SMTP; returns the subject."""
    with session_scope() as session:
        from service.models import Campaign

        campaign_id = session.exec(select(Campaign.id)).first() or 1
    token = codec().reply(campaign_id, subscriber.id or 0, ann.id if ann else 0)
    to = f"reply+{token}@{get_settings().reply_domain}"
    msg = EmailMessage()
    msg["From"] = f"{subscriber.name} <{subscriber.email}>"
    msg["To"], msg["Message-ID"] = to, message_id
    msg["Subject"] = subject
    msg.set_content(f"{text}\n\nViele Grüße\n{subscriber.name}\n\n> Ursprüngliche Nachricht\n")
    stack.send_reply(msg.as_bytes(), mail_from=subscriber.email, rcpt=to)
    return subject


def _world() -> tuple[Subscriber, Announcement, Coordinator, Coordinator]:
    """A German-speaking confirmed subscriber, an announcement, its coordinator, another one."""
    with Session(_engine()) as session:
        subscriber = session.exec(select(Subscriber).where(
            Subscriber.language == "de", Subscriber.status == "confirmed")).first()  # fmt: skip
        ann = session.exec(select(Announcement).where(Announcement.slug == "research-stays")).one()
        owner = session.get(Coordinator, ann.coordinator_id)
        other = session.exec(
            select(Coordinator).where(Coordinator.id != ann.coordinator_id)
        ).first()
        assert subscriber and owner and other
        session.expunge_all()
        return subscriber, ann, owner, other


def _answers_to(stack: InboxStack, address: str) -> list[bytes]:
    """Mail to a subscriber that is not an automatic acknowledgement."""
    return [m for m in stack.mails_to(address) if b"Auto-Submitted: auto-replied" not in m]


def _engine() -> Any:
    from service.db import get_engine

    return get_engine()


def _inquiry_for(subject: str) -> Inquiry | None:
    with Session(_engine()) as session:
        return session.exec(select(Inquiry).where(Inquiry.subject == subject)).first()


def test_reply_over_smtp_is_answered_from_the_inbox_with_a_dkim_signed_threaded_answer(
    stack: InboxStack, context_factory: Any, axe_check: Any
) -> None:
    subscriber, ann, owner, other = _world()
    subject = _reply(stack, subscriber=subscriber, ann=ann, message_id="<e2e-q1@uni.example>",
                     subject="AW: Forschungsaufenthalte in Chicago – wie lange?",
                     text="Wie lange dauert ein Forschungsaufenthalt in Chicago?")  # fmt: skip
    inquiry = wait_for(lambda: _inquiry_for(subject), 30, "the worker to route the reply")
    assert inquiry.coordinator_id == owner.id and inquiry.routed_by == "reply_token"
    coordinator = _user("coordinator", owner.id)
    page = context_factory()
    _log_in(page, stack, coordinator)
    page.goto(stack.url("/newsroom/inbox"))
    row = page.get_by_role("row").filter(has_text=subject)
    assert row.is_visible() and "Antwortadresse der Meldung" in row.inner_text()
    axe_check(page)
    _shots(page, "inbox", context_factory, coordinator, stack, "/newsroom/inbox")
    page.get_by_role("link", name=f"#{inquiry.id} {subject}").click()
    assert page.locator(".reply-text").inner_text().startswith("Wie lange dauert")
    axe_check(page)
    _shots(page, "thread", context_factory, coordinator, stack, f"/newsroom/inbox/{inquiry.id}")
    body = page.get_by_label("Ihre Antwort an die Person")
    body.fill("Vorab: gute Frage.")  # typed first: inserting must keep it (htmx, no reload)
    page.get_by_label("Textbaustein").select_option(label="Bewerbungsfrist (DE)")
    page.get_by_role("button", name="Einfügen").click()
    page.wait_for_function("document.querySelector('#body').value.includes('Bewerbungsfrist')")
    assert body.input_value().startswith(
        f"Vorab: gute Frage.\n\nHallo {subscriber.name}, danke für Ihre Frage zu „"
    )
    assert "canned_id" not in page.url  # the page was not reloaded
    page.get_by_role("button", name="Antwort senden").click()
    assert page.get_by_role("status").inner_text().startswith("Ihre Antwort ist unterwegs")
    raw = wait_for(lambda: _answers_to(stack, subscriber.email), 30, "the answer to arrive")[0]
    record = stack.dkim_record.read_text().strip().encode()
    assert dkim.verify(raw, dnsfunc=lambda _name, timeout=5: record)
    answer = email.message_from_bytes(raw, policy=email.policy.default)
    assert answer["From"].addresses[0].addr_spec == get_settings().from_address
    assert answer["In-Reply-To"] == "<e2e-q1@uni.example>"
    assert answer["References"] == "<e2e-q1@uni.example>" and answer["Content-Language"] == "de"
    assert "Die Bewerbungsfrist ist der 1. Mai." in answer.get_body(("plain",)).get_content()
    page.reload()
    assert page.locator(".entry-answer").first.inner_text().count("gesendet") == 1

    # Another coordinator: the server refuses the thread, its original and an answer to it
    intruder = context_factory()
    _log_in(intruder, stack, _user("coordinator", other.id))
    assert intruder.goto(stack.url(f"/newsroom/inbox/{inquiry.id}")).status == 404
    assert intruder.goto(stack.url(f"/newsroom/inbox/{inquiry.id}/original")).status == 404
    assert f"#{inquiry.id} " not in (intruder.goto(stack.url("/newsroom/inbox")) and
                                     intruder.content())  # fmt: skip


def _shots(page: Any, name: str, factory: Any, account: Any, stack: InboxStack, path: str) -> None:
    """Screenshots at 1280 px (this page) and 375 px (a phone-sized context)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    phone = factory(PHONE)
    _log_in(phone, stack, account)
    phone.goto(stack.url(path))
    phone.screenshot(path=str(SHOTS / f"{name}-mobile.png"), full_page=True)


def test_notes_close_reopen_reassign_and_triage_through_the_pages(
    stack: InboxStack, context_factory: Any, axe_check: Any
) -> None:
    subscriber, ann, owner, other = _world()
    subject = _reply(stack, subscriber=subscriber, ann=ann, message_id="<e2e-q2@uni.example>",
                     subject="AW: Reisekosten beim Forschungsaufenthalt",
                     text="Gibt es Zuschüsse für die Reise?")  # fmt: skip
    inquiry = wait_for(lambda: _inquiry_for(subject), 30, "the worker to route the reply")
    before = len(_answers_to(stack, subscriber.email))
    page = context_factory()
    _log_in(page, stack, _user("coordinator", owner.id))
    page.goto(stack.url(f"/newsroom/inbox/{inquiry.id}"))
    page.get_by_label("Notiz für Kolleginnen und Kollegen (wird nie versandt)").fill(
        "Rückruf am Montag"
    )
    page.get_by_role("button", name="Notiz hinzufügen").click()
    assert page.locator(".entry-note").filter(has_text="Rückruf am Montag").is_visible()
    page.get_by_role("link", name="Schließen").click()
    axe_check(page)
    page.get_by_role("button", name="Ja, schließen").click()
    assert page.get_by_role("status").inner_text() == "Die Anfrage wurde geschlossen."
    page.get_by_role("link", name="Wieder öffnen").click()
    page.get_by_role("button", name="Ja, wieder öffnen").click()
    assert page.get_by_role("status").inner_text() == "Die Anfrage wurde wieder geöffnet."
    page.get_by_role("link", name="Neu zuweisen").click()
    page.get_by_label("Neue Koordination").select_option(label=other.name)
    page.get_by_label("Notiz: warum sie dorthin geht").fill("Fragt nach Reisekosten")
    page.get_by_role("button", name="Neu zuweisen").click()
    page.wait_for_url("**/newsroom/inbox?done=reassigned")
    assert page.goto(stack.url(f"/newsroom/inbox/{inquiry.id}")).status == 404  # not theirs now
    handed = wait_for(lambda: stack.mails_to(other.email), 30, "the hand-off to the new holder")
    assert any(f"#{inquiry.id}".encode() in m for m in handed)
    newcomer = context_factory()
    _log_in(newcomer, stack, _user("coordinator", other.id))
    newcomer.goto(stack.url(f"/newsroom/inbox/{inquiry.id}"))
    assert newcomer.locator(".entry-event").filter(has_text="Fragt nach Reisekosten").is_visible()
    events = newcomer.locator(".entry-event .entry-body").all_inner_texts()  # German, not English
    assert "Geschlossen" in events and "Wieder geöffnet" in events
    assert any(e.startswith(f"Zugewiesen an {other.name} (") for e in events)
    assert not any(w in e for e in events for w in ("Closed", "Reopened", "Assigned to"))
    assert len(_answers_to(stack, subscriber.email)) == before  # notes and moves mail nobody

    # Triage: an edition-level reply nobody's rule places; the admin assigns it in one click
    lost = _reply(stack, subscriber=subscriber, ann=None, message_id="<e2e-q3@uni.example>",
                  subject="AW: Partnerschafts-Newsletter Dezember",
                  text="Wie funktioniert die Bewerbung für den Aufenthalt?")  # fmt: skip
    triaged = wait_for(lambda: _inquiry_for(lost), 30, "the worker to route the reply")
    assert triaged.coordinator_id is None and triaged.proposals
    admin = context_factory()
    _log_in(admin, stack, _user("admin"))
    admin.goto(stack.url("/newsroom/inbox/triage"))
    axe_check(admin)
    card = admin.locator(".card").filter(has_text=lost)
    card.get_by_role("button").first.click()
    assert admin.get_by_role("status").inner_text() == "Die Anfrage wurde zugewiesen."
    with Session(_engine()) as session:
        placed = session.get(Inquiry, triaged.id)
        assert placed is not None and placed.coordinator_id is not None
    for path in ("/newsroom/canned-answers", "/newsroom/inbox", "/newsroom/inbox-settings"):
        admin.goto(stack.url(path))
        axe_check(admin)
    page.goto(stack.url("/newsroom/absence"))
    axe_check(page)


def _forged_answer(stack: InboxStack, *, inquiry_id: int, sender: str, text: str, n: int) -> None:
    """Mail in the coordinator's name to the inquiry's answer address, with no DKIM signature."""
    from service.addressing.mailbox_tokens import encode_answer_token
    from service.addressing.subaddresses import answer_address

    settings = get_settings()
    to = answer_address(encode_answer_token(inquiry_id, settings.secret_bytes),
                        settings.reply_domain)  # fmt: skip
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Re: Ihre Frage"
    msg["Message-ID"] = f"<forged-{n}-{uuid.uuid4().hex[:6]}@attacker.example>"
    msg.set_content(text)
    stack.send_reply(msg.as_bytes(), mail_from=sender, rcpt=to)


def _states(inquiry_id: int) -> list[str]:
    from service.models import InquiryMessage

    with Session(_engine()) as session:
        return list(session.exec(select(InquiryMessage.state).where(
            InquiryMessage.inquiry_id == inquiry_id, InquiryMessage.kind == "answer")))  # fmt: skip


def test_an_unauthenticated_answer_is_confirmed_or_discarded_in_the_inbox(
    stack: InboxStack, context_factory: Any, axe_check: Any
) -> None:
    subscriber, ann, owner, _ = _world()
    subject = _reply(stack, subscriber=subscriber, ann=ann, message_id="<e2e-q4@uni.example>",
                     subject="AW: Forschungsaufenthalte – Unterkunft?",
                     text="Gibt es eine Unterkunft in Chicago?")  # fmt: skip
    inquiry = wait_for(lambda: _inquiry_for(subject), 30, "the worker to route the reply")
    before = len(_answers_to(stack, subscriber.email))
    _forged_answer(stack, inquiry_id=inquiry.id or 0, sender=owner.email, n=1,
                   text="Ja, das Gästehaus hat im Mai Zimmer frei.")  # fmt: skip
    held_notice = b"Answer held: not authenticated"
    notice = wait_for(lambda: [m for m in stack.mails_to(owner.email) if held_notice in m],
                      30, "the notice to the coordinator")[0]  # fmt: skip
    record = stack.dkim_record.read_text().strip().encode()
    assert dkim.verify(notice, dnsfunc=lambda _name, timeout=5: record)
    assert len(_answers_to(stack, subscriber.email)) == before  # nothing relayed on its own

    # An approver may open the thread (triage) but not send it: no button, and the server refuses
    approver = context_factory()
    _log_in(approver, stack, _user("approver"))
    approver.goto(stack.url(f"/newsroom/inbox/{inquiry.id}"))
    assert approver.locator(".entry-unverified").is_visible()
    assert approver.locator(".entry-unverified button").count() == 0
    token = approver.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = approver.request.post(
        stack.url(f"/newsroom/inbox/{inquiry.id}/unverified/0"), max_redirects=0,
        form={"csrf_token": token or "", "decision": "send"},
    )  # fmt: skip
    assert refused.status == 403
    assert _states(inquiry.id or 0) == ["unverified"]

    page = context_factory()
    _log_in(page, stack, _user("coordinator", owner.id))
    page.goto(stack.url(f"/newsroom/inbox/{inquiry.id}"))
    held = page.locator(".entry-unverified")
    assert "nicht authentifiziert" in held.inner_text()
    assert "ließ sich aber nicht authentifizieren" in held.inner_text()
    axe_check(page)
    held.get_by_role("button", name="Senden", exact=True).click()
    assert page.get_by_role("status").inner_text().startswith("Ihre Antwort ist unterwegs")
    raw = wait_for(lambda: _answers_to(stack, subscriber.email)[before:], 30, "the answer")[0]
    assert dkim.verify(raw, dnsfunc=lambda _name, timeout=5: record)
    assert "Gästehaus" in email.message_from_bytes(raw, policy=email.policy.default).get_body(
        ("plain",)).get_content()  # fmt: skip

    _forged_answer(stack, inquiry_id=inquiry.id or 0, sender=owner.email, n=2,
                   text="Bitte überweisen Sie 500 Euro Gebühr.")  # fmt: skip
    wait_for(lambda: "unverified" in _states(inquiry.id or 0), 30, "the second forgery")
    page.goto(stack.url(f"/newsroom/inbox/{inquiry.id}"))
    page.locator(".entry-unverified").get_by_role("button", name="Verwerfen").click()
    assert page.get_by_role("status").inner_text() == "Die zurückgehaltene Antwort wurde verworfen."
    assert sorted(_states(inquiry.id or 0)) == ["discarded", "sent"]
    assert len(_answers_to(stack, subscriber.email)) == before + 1

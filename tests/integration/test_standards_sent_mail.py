"""STANDARDS rows checked on the bytes a real worker handed to a real SMTP server.

One demo campaign runs once for the module on PostgreSQL + Redis + a Celery worker process;
each test reads the captured SMTP transactions (envelope and exact DATA bytes) and the rows
in the database, and is named after the row it shows (`newsdesk standards` lists them).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import html as lxml_html
from sqlmodel import select

from service.addressing.tokens import codec
from service.campaigns.authoring import schedule
from service.db import session_scope
from service.demo.capture import CapturedMail
from service.demo.seed import seed
from service.models import Campaign, Delivery, Subscriber
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for

pytestmark = pytest.mark.slow  # one demo campaign on a real worker for the module
SINGLETONS = ("From", "To", "Subject", "Date", "Message-ID", "Reply-To", "Sender")


@dataclass
class Sent:
    """What reached the SMTP server, and what the database says about it."""

    mails: list[CapturedMail]
    record: bytes
    key_bits: int
    from_domain: str
    bounce_domain: str
    postal: str
    public_url: str
    consent: dict[str, bool]  # recipient address -> tracking consent
    deliveries: dict[str, tuple[int, int]]  # Message-ID -> (campaign id, subscriber id)

    def messages(self) -> Iterator[tuple[CapturedMail, EmailMessage]]:
        for mail in self.mails:
            yield mail, email.message_from_bytes(mail.data, policy=email.policy.default)


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sent]:
    tmp = tmp_path_factory.mktemp("standards")
    https = {"NEWSDESK_PUBLIC_URL": "https://news.partnership.example.org"}  # as in production
    with live_stack(
        tmp, database_url=postgres_url(), broker_url=redis_url(), workers=1, extra_env=https
    ) as stack:
        with session_scope() as session:
            summary = seed(session, secret=get_settings().secret_bytes, subscribers=40)
            schedule(session, campaign_id=summary.campaign_id, send_at=None)
        campaign_id = summary.campaign_id

        def done() -> bool:
            with session_scope() as session:
                return session.get(Campaign, campaign_id).status == "sent"  # type: ignore[union-attr]

        wait_for(done, 120, "the campaign to be sent")
        with session_scope() as session:
            people = {s.id: s for s in session.exec(select(Subscriber))}
            deliveries = {
                d.message_id: (d.campaign_id, d.subscriber_id)
                for d in session.exec(select(Delivery).where(Delivery.status == "sent"))
            }
        settings = get_settings()
        key = load_pem_private_key(Path(settings.dkim_private_key_path).read_bytes(), None)
        record = stack.dkim_record.read_text().strip().encode()
        yield Sent(
            mails=list(stack.capture.captured),
            record=record,
            key_bits=key.key_size,  # type: ignore[union-attr]
            from_domain=settings.from_address.rpartition("@")[2],
            bounce_domain=settings.bounce_domain,
            postal=settings.org_postal_address,
            public_url=settings.public_url.rstrip("/"),
            consent={p.email: p.tracking_consent for p in people.values()},
            deliveries={k: v for k, v in deliveries.items() if k},
        )


def _dns(record: bytes):  # dkimpy's dnsfunc signature
    return lambda _name, timeout=5: record


def _tags(msg: EmailMessage) -> dict[str, str]:
    value = re.sub(r"\s+", "", str(msg["DKIM-Signature"]))
    return dict(part.split("=", 1) for part in value.split(";") if "=" in part)


def _org(domain: str) -> str:
    return ".".join(domain.split(".")[-2:])  # example.org-style test domains only


def test_campaign_reached_the_server(sent: Sent) -> None:
    assert len(sent.mails) == len(sent.deliveries) >= 20
    assert {m.rcpt_tos[0] for m in sent.mails} <= set(sent.consent)


def test_A2_campaign_mail_is_dkim_signed_with_our_domain_and_verifies(sent: Sent) -> None:
    assert sent.key_bits >= 2048
    for mail, msg in sent.messages():
        assert dkim.verify(mail.data, dnsfunc=_dns(sent.record)), msg["To"]
        tags = _tags(msg)
        assert tags["a"] == "rsa-sha256"
        assert _org(tags["d"]) == _org(sent.from_domain)


def test_A6_singletons_once_valid_message_id_and_date(sent: Sent) -> None:
    seen = set()
    for _mail, msg in sent.messages():
        for header in SINGLETONS:
            assert len(msg.get_all(header, [])) <= 1, header
        for header in ("From", "To", "Subject", "Date", "Message-ID"):
            assert len(msg.get_all(header, [])) == 1, header
        mid = str(msg["Message-ID"])
        assert re.fullmatch(r"<[^@\s>]+@[A-Za-z0-9.-]+>", mid) and mid not in seen
        seen.add(mid)
        assert msg["Date"].datetime is not None
        assert not msg["From"].addresses[0].domain.endswith("gmail.com")


def test_A7_no_line_over_998_octets(sent: Sent) -> None:
    for mail in sent.mails:
        assert max(len(line) for line in mail.data.split(b"\r\n")) <= 998


def test_B1_B2_list_unsubscribe_has_one_https_uri_and_one_click(sent: Sent) -> None:
    for mail, msg in sent.messages():
        value = str(msg["List-Unsubscribe"])
        assert re.fullmatch(r"\s*<[^>]+>(\s*,\s*<[^>]+>)*\s*", value), value
        uris = re.findall(r"<([^>]+)>", value)
        assert sum(u.startswith("https:") for u in uris) == 1
        address = mail.rcpt_tos[0]
        assert address not in value and address.replace("@", "%40") not in value
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_B3_signature_covers_the_list_headers_and_tampering_fails(sent: Sent) -> None:
    mail, msg = next(sent.messages())
    signed = [h.strip().lower() for h in _tags(msg)["h"].split(":")]
    assert {"list-unsubscribe", "list-unsubscribe-post"} <= set(signed)
    url = re.search(rb"List-Unsubscribe:[^\r]*<(https://[^>]+)>", mail.data)
    assert url is not None
    token = url.group(1)
    tampered = mail.data.replace(token, token[:-1] + (b"A" if token[-1:] != b"A" else b"B"), 1)
    assert not dkim.verify(tampered, dnsfunc=_dns(sent.record))


def test_B6_E5_unsubscribe_link_and_full_text_in_both_parts(sent: Sent) -> None:
    for _mail, msg in sent.messages():
        https = re.search(r"<(https://[^>]+)>", str(msg["List-Unsubscribe"]))
        assert https is not None
        plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        unsubscribe = https.group(1).replace("&", "&amp;")
        assert https.group(1) in plain and (unsubscribe in html or https.group(1) in html)
        visible = lxml_html.fromstring(html).text_content()
        assert len(plain) > 0.3 * len(" ".join(visible.split()))


def test_C6_multipart_alternative_plain_first_html_last_utf8(sent: Sent) -> None:
    for _mail, msg in sent.messages():
        assert msg.get_content_type() == "multipart/alternative"
        parts = list(msg.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        for part in parts:
            assert part.get_content_charset() == "utf-8" and part["Content-Transfer-Encoding"]
        assert parts[0].get_content().strip()


def test_D4_pixel_and_redirects_only_with_tracking_consent(sent: Sent) -> None:
    base = sent.public_url
    both = set()
    for mail, msg in sent.messages():
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        consented = sent.consent[mail.rcpt_tos[0]]
        both.add(consented)
        has_pixel = f"{base}/t/o/" in html
        assert has_pixel == consented, mail.rcpt_tos[0]
        if not consented:
            assert f"{base}/t/c/" not in html
    assert both == {True, False}, "the demo audience should hold both kinds"


def test_D9_postal_address_in_both_parts(sent: Sent) -> None:
    for _mail, msg in sent.messages():
        for kind in ("plain", "html"):
            body = msg.get_body((kind,)).get_content()  # type: ignore[union-attr]
            assert sent.postal in body or sent.postal.replace("ß", "&szlig;") in body, kind


def test_E1_E4_css_inlined_style_only_in_head_and_under_the_clip(sent: Sent) -> None:
    for _mail, msg in sent.messages():
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert len(html.encode("utf-8")) < 100_000
        doc = lxml_html.fromstring(html)
        assert not doc.xpath("//body//style")
        assert sum(len((s.text or "").encode()) for s in doc.xpath("//style")) < 16_384
        assert doc.xpath("//*[@style]"), "no inline styles: CSS was not inlined"
        footer = html.find(sent.postal.split(",")[0])
        assert 0 <= len(html[:footer].encode()) < 100_000


def test_E6_lang_charset_title_presentation_tables_and_alt(sent: Sent) -> None:
    for mail, msg in sent.messages():
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        doc = lxml_html.fromstring(html)
        assert doc.get("lang") in {"de", "en"}, mail.rcpt_tos[0]
        assert doc.xpath("//meta[@charset='utf-8' or @charset='UTF-8']") or "charset=utf-8" in html
        assert doc.xpath("//title")
        for table in doc.xpath("//table[not(.//th)]"):
            assert table.get("role") == "presentation"
        assert all(img.get("alt") is not None for img in doc.xpath("//img"))


def test_F1_return_path_is_the_per_message_verp_of_the_delivery(sent: Sent) -> None:
    tokens = codec()
    for mail, msg in sent.messages():
        local, _, domain = mail.mail_from.partition("@")
        assert domain == sent.bounce_domain and local.startswith("bounces+")
        ids = tokens.decode_verp(local.removeprefix("bounces+"))
        assert ids is not None
        assert (ids.campaign_id, ids.subscriber_id) == sent.deliveries[str(msg["Message-ID"])]

"""Fast per-recipient messages: identical to the EmailMessage build; conformant headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.parser import BytesParser
from email.policy import default
from functools import cache
from pathlib import Path

import dkim
import pytest

from service.addressing.tokens import codec
from service.errors import InvalidInput
from service.mail.compose import EditionSkeleton, Recipient
from service.mail.dkim_keys import generate_keypair
from service.settings import Settings
from tests.mail_samples import sample_edition
from tests.support.reference_build import build_reference_message

NOW = datetime(2026, 11, 26, 15, 40, 7, tzinfo=UTC)
MSG_ID = "<abcdefghijklmnopqrstuvwx@news.partnership.example.org>"
SINGLETONS = (
    "From", "To", "Subject", "Date", "Message-ID", "Reply-To", "List-Id",
    "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID", "MIME-Version",
)  # fmt: skip


@cache
def dkim_key() -> tuple[bytes, str]:
    """One key pair for the module."""
    return generate_keypair()


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings with a DKIM key on disk."""
    key = tmp / "dkim.pem"
    key.write_bytes(dkim_key()[0])
    values: dict[str, object] = {
        "secret_key": "compose-test-secret-0123456789abcdef",
        "dkim_private_key_path": key,
        "public_url": "https://news.partnership.example.org",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def skeleton(
    settings: Settings, subject: str = "Neuigkeiten: Förderung & Workshops"
) -> EditionSkeleton:
    """An edition skeleton over the sample edition."""
    return EditionSkeleton.build(
        edition=sample_edition(), subject=subject, language="de", campaign_id=42,
        list_id="ecr", list_name="Early-Career Researchers", announcement_ids=(7, 8, 9),
        settings=settings,
    )  # fmt: skip


def dns(name: bytes, timeout: int = 5) -> bytes:
    """The test key's TXT record."""
    return dkim_key()[1].encode()


RECIPIENTS = [
    Recipient(1, "ada@example.com", "Ada Lovelace", tracking=True),
    Recipient(2, "jörg@example.org".replace("ö", "o"), "Jörg <Müller> & Co", tracking=False),
    Recipient(3, "x" * 60 + "@" + "sub." * 10 + "example.com", None, tracking=True),
    Recipient(4, "eve@bücher.example", "Eve\r\nBcc: x@evil", tracking=False),
]


@pytest.mark.parametrize("recipient", RECIPIENTS, ids=lambda r: str(r.subscriber_id))
@pytest.mark.parametrize("precedence", [True, False])
def test_fast_path_equals_reference_build(
    tmp_path: Path, recipient: Recipient, precedence: bool
) -> None:
    settings = make_settings(tmp_path, precedence_bulk=precedence)
    sk = skeleton(settings)
    fast = sk.message_for(recipient, now=NOW, message_id=MSG_ID)
    slow = build_reference_message(
        edition=sample_edition(), meta=sk.meta, settings=settings, recipient=recipient,
        now=NOW, message_id=MSG_ID, boundary=sk.boundary,
    )  # fmt: skip
    signature_end = fast.data.index(b"\r\nFrom:") + 2
    assert fast.data[signature_end:] == slow
    assert sk.signer is not None
    assert fast.data == sk.signer.sign(slow, timestamp=int(NOW.timestamp()))
    assert dkim.verify(fast.data, dnsfunc=dns)


def test_headers_follow_the_standards(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    sk = skeleton(settings)
    out = sk.message_for(RECIPIENTS[0])
    msg = BytesParser(policy=default).parsebytes(out.data)
    for name in SINGLETONS:
        assert len(msg.get_all(name)) == 1, name
    assert re.fullmatch(r"<[^@\s>]+@news\.partnership\.example\.org>", msg["Message-ID"])
    assert msg["To"] == out.rcpt == "ada@example.com"
    unsub = msg["List-Unsubscribe"]
    assert re.fullmatch(r"\s*<[^>]+>(\s*,\s*<[^>]+>)*\s*", unsub)
    uris = re.findall(r"<([^>]+)>", unsub)
    assert [u.split(":")[0] for u in uris] == ["https", "mailto"]
    assert "ada" not in unsub and "example.com" not in unsub
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Id"] == '"Early-Career Researchers" <ecr.news.partnership.example.org>'
    assert re.fullmatch(r"(?:[^:\s]*:){0,3}[A-Za-z0-9._-]{5,15}", msg["Feedback-ID"])
    assert msg["Reply-To"].startswith("reply+") and msg["Precedence"] == "bulk"
    assert out.envelope_from.startswith("bounces+") and "@bounces." in out.envelope_from
    assert codec(settings).decode_verp(out.envelope_from[8:48]) == (42, 1)
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in msg.iter_parts())
    assert max(len(line) for line in out.data.split(b"\r\n")) <= 998
    assert b"\n" not in out.data.replace(b"\r\n", b"") and b"\r" not in out.data.replace(
        b"\r\n", b""
    )


def test_list_headers_are_same_per_list_and_differ_between_lists(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    a = skeleton(settings).message_for(RECIPIENTS[0])
    b = skeleton(settings).message_for(RECIPIENTS[1])
    other = EditionSkeleton.build(
        edition=sample_edition(), subject="x", language="en", campaign_id=43, list_id="newsletter",
        list_name="Newsletter", announcement_ids=(7, 8, 9), settings=settings,
    ).message_for(RECIPIENTS[0])  # fmt: skip
    get = lambda m, h: message_from_bytes(m.data, policy=default)[h]  # noqa: E731
    assert get(a, "List-Id") == get(b, "List-Id") != get(other, "List-Id")
    assert get(a, "Feedback-ID") == get(b, "Feedback-ID") != get(other, "Feedback-ID")
    assert get(a, "Message-ID") != get(b, "Message-ID")


def test_dkim_covers_list_headers_and_tampering_fails(tmp_path: Path) -> None:
    long_base = "https://news.partnership.example.org/a/very/long/path/for/unsubscribing"
    settings = make_settings(tmp_path, public_url=long_base)
    out = skeleton(settings).message_for(RECIPIENTS[0])
    head = out.data.split(b"\r\n\r\n")[0].decode()
    unsub_line = next(line for line in head.split("\r\n") if line.startswith("List-Unsubscribe:"))
    assert len(unsub_line) > 78  # the long-URL folding path
    h_tag = re.search(r"h=([^;]+);", re.sub(r"\s+", "", head))
    assert h_tag is not None
    h = h_tag.group(1).lower().split(":")
    for name in ("list-unsubscribe", "list-unsubscribe-post", "feedback-id", "list-id", "reply-to"):
        assert name in h
    assert dkim.verify(out.data, dnsfunc=dns)
    token = re.search(rb"/u/([a-z2-7]{40})", out.data).group(1)  # type: ignore[union-attr]
    changed = token[:-1] + (b"b" if token[-1:] != b"b" else b"c")
    assert not dkim.verify(out.data.replace(token, changed, 1), dnsfunc=dns)


def test_tracking_only_with_consent(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    sk = skeleton(settings)
    with_consent = message_from_bytes(sk.message_for(RECIPIENTS[0]).data, policy=default)
    without = message_from_bytes(sk.message_for(RECIPIENTS[1]).data, policy=default)
    html_on = with_consent.get_body(("html",)).get_content()
    html_off, text_off = (without.get_body((k,)).get_content() for k in ("html", "plain"))
    assert "/t/o/" in html_on and "/t/c/" in html_on
    assert "/t/" not in html_off and "/t/" not in text_off
    assert "https://www.example.org/news/0?utm=mail&amp;lang=de" in html_off
    assert "https://www.example.org/news/0?utm=mail&lang=de" in text_off
    assert (
        "Hallo Jörg &lt;Müller&gt; &amp; Co," in html_off
        and "Hallo Jörg <Müller> & Co," in text_off
    )
    assert "NDPH" not in html_on + html_off + text_off


def test_bad_input_is_refused_clearly(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(InvalidInput, match="subject"):
        skeleton(settings, subject="Hi\r\nBcc: x@evil")
    with pytest.raises(InvalidInput, match="Subject"):
        skeleton(settings, subject="=?UTF-8?Q?=0A?=Bcc: x@evil")
    with pytest.raises(InvalidInput, match="line break"):
        skeleton(settings).message_for(Recipient(1, "a\r\nb@example.com", None, False))
    bad = sample_edition()
    with pytest.raises(InvalidInput, match="unknown placeholder"):
        EditionSkeleton.build(
            edition=bad, subject="x", language="de", campaign_id=1, list_id="ecr",
            list_name="ECR", announcement_ids=(1,), settings=settings,
        )  # fmt: skip


def test_message_ids_unique_over_a_large_batch() -> None:
    from service.mail.compose import new_message_id

    ids = {new_message_id("news.partnership.example.org") for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(re.fullmatch(r"<[a-z2-7]{24}@news\.partnership\.example\.org>", i) for i in ids)


@pytest.mark.parametrize("tracking", [True, False])
def test_every_web_link_of_the_html_is_in_the_text(tmp_path: Path, tracking: bool) -> None:
    import html as html_lib

    settings = make_settings(tmp_path)
    out = skeleton(settings).message_for(Recipient(9, "r@example.org", "R", tracking))
    msg = message_from_bytes(out.data, policy=default)
    rich, text = (msg.get_body((k,)).get_content() for k in ("html", "plain"))
    hrefs = [html_lib.unescape(h) for h in re.findall(r'href="(https?://[^"]+)"', rich)]
    assert len(hrefs) == 6 + 3  # six content links, web view, unsubscribe, preferences
    assert all(h in text for h in hrefs)
    assert "/u/" in text and "Musterstraße 1" in text


def test_caller_message_id_of_another_shape_still_matches_reference(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    sk = skeleton(settings)
    custom = "<delivery-77.attempt-2@news.partnership.example.org>"
    fast = sk.message_for(RECIPIENTS[0], now=NOW, message_id=custom)
    slow = build_reference_message(
        edition=sample_edition(), meta=sk.meta, settings=settings, recipient=RECIPIENTS[0],
        now=NOW, message_id=custom, boundary=sk.boundary,
    )  # fmt: skip
    assert fast.data.endswith(slow) and fast.message_id == custom


def test_clean_name() -> None:
    from service.mail.compose import clean_name

    assert clean_name("Eve\r\nBcc: x@evil\x00") == "Eve Bcc: x@evil"
    assert clean_name("A\u2028B\udcff C\x85") == "A B C"
    assert clean_name("👩\u200d🔬 Ada") == "👩\u200d🔬 Ada"  # the joiner stays
    assert clean_name(None) == "" and clean_name(" \t ") == ""

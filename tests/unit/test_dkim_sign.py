"""DKIM: dkimpy verifies our signatures; tampering breaks them; canonicalisation matches dkimpy."""

from __future__ import annotations

import re
from functools import cache

import dkim
from dkim.canonicalization import Relaxed
from hypothesis import given
from hypothesis import strategies as st

from service.mail.dkim_keys import generate_ed25519_keypair, generate_keypair, write_demo_key
from service.mail.dkim_sign import (
    DkimSigner,
    relaxed_body,
    relaxed_header,
    relaxed_lines,
    split_headers,
)

DOMAIN = "news.example.org"
MESSAGE = (
    b"From: News <news@news.example.org>\r\nTo: a@example.com\r\nSubject: Hello\r\n"
    b"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <x1@news.example.org>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n'
    b"List-Unsubscribe: <https://news.example.org/u/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa>,\r\n"
    b" <mailto:unsubscribe+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@reply.example.org>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nFeedback-ID: 1:news:newsdesk:nd01\r\n"
    b"\r\nHello  there \r\nsecond\tline\r\n\r\n\r\n"
)


@cache
def keys() -> tuple[bytes, str, bytes, str]:
    """One RSA and one Ed25519 key pair for the whole module (generation is slow)."""
    return (*generate_keypair(), *generate_ed25519_keypair())


def dns(records: dict[str, str]):
    """A dnsfunc serving TXT records by selector."""

    def lookup(name: bytes, timeout: int = 5) -> bytes:
        return records[name.decode().split(".")[0]].encode()

    return lookup


def signer(ed25519: bool = False) -> DkimSigner:
    """A signer with the module keys."""
    rsa_pem, _, ed_pem, _ = keys()
    return DkimSigner(
        domain=DOMAIN,
        selector="sel",
        private_key_pem=rsa_pem,
        ed25519_selector="edsel",
        ed25519_private_key_pem=ed_pem if ed25519 else None,
    )


def test_rsa_signature_verifies_and_covers_list_headers() -> None:
    signed = signer().sign(MESSAGE)
    assert dkim.verify(signed, dnsfunc=dns({"sel": keys()[1]}))
    header = signed.split(b"\r\n\r\n")[0].decode()
    h = re.search(r"h=([^;]+);", re.sub(r"\s+", "", header))
    assert h is not None
    names = [n.strip().lower() for n in h.group(1).split(":")]
    for needed in ("list-unsubscribe", "list-unsubscribe-post", "feedback-id", "from", "to"):
        assert needed in names
    assert names.count("from") == 2  # oversigned
    assert "a=rsa-sha256" in header and f"d={DOMAIN}" in header
    sig_lines = signer().signature_headers(MESSAGE).split(b"\r\n")
    assert max(len(line) for line in sig_lines) <= 78


def test_tampering_breaks_the_signature() -> None:
    signed = signer().sign(MESSAGE)
    lookup = dns({"sel": keys()[1]})
    for old, new in (
        (b"/u/aaaa", b"/u/aaab"),
        (b"Hello  there", b"Hullo there"),
        (b"To: a@", b"To: b@"),
    ):
        assert not dkim.verify(signed.replace(old, new, 1), dnsfunc=lookup)
    added_from = signed.replace(b"\r\n\r\n", b"\r\nFrom: evil@example.net\r\n\r\n", 1)
    assert not dkim.verify(added_from, dnsfunc=lookup)


def test_ed25519_second_signature_verifies() -> None:
    signed = signer(ed25519=True).sign(MESSAGE)
    assert signed.count(b"DKIM-Signature:") == 2
    lookup = dns({"sel": keys()[1], "edsel": keys()[3]})
    verifier = dkim.DKIM(signed)
    assert verifier.verify(idx=0, dnsfunc=lookup) and verifier.verify(idx=1, dnsfunc=lookup)
    assert signed.index(b"a=rsa-sha256") < signed.index(b"a=ed25519-sha256")


def test_deterministic_with_fixed_timestamp() -> None:
    assert signer().sign(MESSAGE, timestamp=1) == signer().sign(MESSAGE, timestamp=1)


lines = st.lists(st.text(alphabet=" \tab=.\r", max_size=12), max_size=6)


@given(lines, st.integers(min_value=0, max_value=3))
def test_relaxed_body_matches_dkimpy(body_lines: list[str], blank: int) -> None:
    body = ("\r\n".join(line.replace("\r", "") for line in body_lines) + "\r\n" * blank).encode()
    if not body.endswith(b"\r\n") and body:
        body += b"\r\n"
    assert relaxed_body(body) == Relaxed.canonicalize_body(body)


@given(st.text(alphabet=" \tab:;", max_size=30))
def test_relaxed_header_matches_dkimpy(value: str) -> None:
    raw = value.encode()
    expected = Relaxed.canonicalize_headers([(b"Subject ", raw)])[0]
    assert relaxed_header(b"Subject ", raw) == expected[0] + b":" + expected[1]


def test_split_headers_keeps_folds() -> None:
    fields, body = split_headers(b"A: 1\r\n 2\r\nB: 3\r\n\r\nbody")
    assert fields == [(b"A", b" 1\r\n 2"), (b"B", b" 3")] and body == b"body"


def test_demo_key_files(tmp_path) -> None:
    key_path, txt_path = write_demo_key(tmp_path, "nd2026", DOMAIN)
    record = txt_path.read_text().strip()
    assert txt_path.name == f"nd2026._domainkey.{DOMAIN}.txt"
    assert record.startswith("v=DKIM1; k=rsa; p=")
    again, _ = write_demo_key(tmp_path, "nd2026", DOMAIN)  # reused, not rotated
    assert again.read_bytes() == key_path.read_bytes() and txt_path.read_text().strip() == record
    s = DkimSigner(domain=DOMAIN, selector="nd2026", private_key_pem=key_path.read_bytes())
    assert dkim.verify(s.sign(MESSAGE), dnsfunc=dns({"nd2026": record}))


@given(st.lists(st.text(alphabet=" \tab=", max_size=12), min_size=1, max_size=6))
def test_relaxed_lines_matches_dkimpy(body_lines: list[str]) -> None:
    from dkim.canonicalization import compress_whitespace, strip_trailing_whitespace

    lines = "".join(line + "\r\n" for line in body_lines).encode()
    assert relaxed_lines(lines) == compress_whitespace(strip_trailing_whitespace(lines))

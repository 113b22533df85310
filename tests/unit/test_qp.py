"""The fast quoted-printable encoder equals email.quoprimime.body_encode(maxlinelen=76)."""

from __future__ import annotations

import email.quoprimime

from hypothesis import given, settings
from hypothesis import strategies as st

from service.mail.qp import qp_encode

ALPHABET = "ab .=\t äé€\x7f\x01" + "x" * 8


def reference(text: str) -> bytes:
    """What EmailMessage.set_content produces for the body (LF in, CRLF out)."""
    lines = text.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    return email.quoprimime.body_encode(body.decode("latin-1"), 76, "\r\n").encode("ascii")


def fast(text: str) -> bytes:
    """The fast path on the same normalised body."""
    return qp_encode(b"\n".join(text.encode("utf-8").splitlines()) + b"\n")


@settings(max_examples=2000)
@given(st.text(alphabet=ALPHABET + "\n", max_size=400))
def test_matches_stdlib_on_random_text(text: str) -> None:
    assert fast(text) == reference(text)


@given(st.integers(min_value=60, max_value=160), st.sampled_from([" ", "\t", "=", "ä", "."]))
def test_matches_stdlib_near_the_line_limit(width: int, last: str) -> None:
    for filler in ("x", "=", "é"):
        text = "\n".join([filler * width + last, ".", "x" * width, last * width, ""])
        assert fast(text) == reference(text)


def test_lines_stay_within_76() -> None:
    out = fast("ä" * 500 + "\n" + "x " * 300 + "\n")
    assert max(len(line) for line in out.split(b"\r\n")) <= 76

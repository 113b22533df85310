"""The import's cached normaliser agrees with normalise_email on every input."""

from __future__ import annotations

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from service.audience.fast_address import normalise_fast
from service.domain.addresses import normalise_email
from service.errors import InvalidInput

ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
locals_ = st.from_regex(
    r"[a-zA-Z0-9_+-]{1,12}(\.[a-z0-9!#'`~-]{1,8}){0,2}", fullmatch=True
) | st.text(st.sampled_from([*ATEXT, ".", " ", '"', "@", "ü", "\n"]), min_size=0, max_size=70)
domains = st.one_of(
    st.sampled_from(
        [
            "example.org",
            "EXAMPLE.org",
            "münchen.de",
            "localhost",
            "x.test",
            "a..b",
            "-a.org",
            "a-.org",
            "org",
            "xn--mnchen-3ya.de",
            "1.2.3.4",
            "[1.2.3.4]",
            "ex_ample.org",
            "a" * 64 + ".org",
            "sub.example.co.uk",
            "example.org.",
        ]
    ),
    st.text(st.sampled_from("abz09-."), min_size=1, max_size=70),
)


def _outcome(fn: object, raw: str) -> str:
    try:
        return fn(raw)  # type: ignore[operator]
    except InvalidInput as exc:
        return f"error: {exc}"


@settings(max_examples=1000, deadline=None)
@given(local=locals_, domain=domains, pad=st.sampled_from(["", " ", "\t", "\n"]))
@example(local="a" * 64, domain="b" * 60 + ".org", pad="")
@example(local="a" * 65, domain="example.org", pad="")
@example(local="x", domain="a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 57, pad="")
def test_same_answer_as_normalise_email(local: str, domain: str, pad: str) -> None:
    """Same normal form or the same error message, for valid and invalid addresses."""
    raw = f"{pad}{local}@{domain}{pad}"
    expected = _outcome(normalise_email, raw)
    event("valid" if not expected.startswith("error") else "invalid")
    assert _outcome(normalise_fast, raw) == expected

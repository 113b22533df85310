"""Tokens: roundtrip, any altered character fails, kinds never cross, garbage never raises."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.addressing.subaddresses import parse_tagged, reply_address, verp_address
from service.addressing.tokens import TOKEN_LENGTH, Kind, TokenCodec
from service.addressing.urls import PublicUrls
from service.errors import InvalidInput
from service.settings import Settings

CODEC = TokenCodec(b"unit-test-secret-0123456789abcdef")
OTHER = TokenCodec(b"another-secret-0123456789abcdefgh")
ARITY = {
    Kind.VERP: 2, Kind.REPLY: 3, Kind.COORD_ANSWER: 1, Kind.UNSUBSCRIBE: 2,
    Kind.PREFERENCES: 1, Kind.OPEN: 2, Kind.CLICK: 3, Kind.WEBVIEW: 2, Kind.CONFIRM: 2,
    Kind.KEEP: 2,
}  # fmt: skip
ids = st.integers(min_value=0, max_value=2**32 - 1)
B32 = "abcdefghijklmnopqrstuvwxyz234567"


@st.composite
def kind_and_ids(draw: st.DrawFn) -> tuple[Kind, tuple[int, ...]]:
    """A kind with a matching number of ids."""
    kind = draw(st.sampled_from(list(Kind)))
    return kind, tuple(draw(ids) for _ in range(ARITY[kind]))


@given(kind_and_ids())
def test_roundtrip_every_kind(case: tuple[Kind, tuple[int, ...]]) -> None:
    kind, values = case
    token = CODEC.encode(kind, *values)
    assert len(token) == TOKEN_LENGTH and re.fullmatch(r"[a-z2-7]{40}", token)
    assert tuple(CODEC.decode(kind, token)) == values
    assert tuple(CODEC.decode(kind, token.upper())) == values  # case folded by a mail system


@given(kind_and_ids(), st.integers(min_value=0, max_value=TOKEN_LENGTH - 1), st.sampled_from(B32))
def test_single_character_change_is_refused(
    case: tuple[Kind, tuple[int, ...]], position: int, char: str
) -> None:
    kind, values = case
    token = CODEC.encode(kind, *values)
    altered = token[:position] + char + token[position + 1 :]
    if altered != token:
        assert CODEC.decode(kind, altered) is None


@given(kind_and_ids(), st.sampled_from(list(Kind)))
def test_kinds_never_cross(case: tuple[Kind, tuple[int, ...]], other: Kind) -> None:
    kind, values = case
    token = CODEC.encode(kind, *values)
    if other is not kind:
        assert CODEC.decode(other, token) is None
    assert OTHER.decode(kind, token) is None  # another secret refuses it too


@given(st.one_of(st.text(max_size=60), st.text(alphabet=B32 + "=-_01", min_size=40, max_size=40)))
def test_garbage_never_raises(garbage: str) -> None:
    for kind in Kind:
        assert CODEC.decode(kind, garbage) is None


def test_non_string_and_truncated_input() -> None:
    token = CODEC.verp(1, 2)
    for bad in (None, 12, b"x" * 40, token[:-1], token + "a", ""):
        assert CODEC.decode_verp(bad) is None


def test_tokens_are_opaque_and_deterministic() -> None:
    a, b = CODEC.verp(7, 1000), CODEC.verp(7, 1001)
    assert a == CODEC.verp(7, 1000)
    assert a[:10] != b[:10]  # neighbouring ids share no visible prefix
    assert "1000" not in a  # base32 has no 0/1/8/9 digits, so decimal ids cannot show through


def test_out_of_range_ids_are_refused_clearly() -> None:
    with pytest.raises(InvalidInput, match="out of range"):
        CODEC.verp(-1, 5)
    with pytest.raises(InvalidInput, match="out of range"):
        CODEC.verp(1, 2**32)


def test_typed_decoders_name_the_fields() -> None:
    assert CODEC.decode_reply(CODEC.reply(3, 4)).announcement_id == 0
    assert CODEC.decode_click(CODEC.click(3, 4, 9)).link_index == 9
    assert CODEC.decode_unsubscribe(CODEC.unsubscribe(4, 3)) == (4, 3)
    assert CODEC.decode_confirm(CODEC.confirm(4, 20_000)).issued_day == 20_000
    assert CODEC.decode_coord_answer(CODEC.coord_answer(77)).inquiry_id == 77


def test_addresses_and_urls() -> None:
    settings = Settings(
        secret_key="unit-test-secret-0123456789abcdef", public_url="https://n.example/"
    )
    urls = PublicUrls(settings, CODEC)
    assert re.fullmatch(r"https://n\.example/u/[a-z2-7]{40}", urls.unsubscribe(1, 2))
    assert re.fullmatch(r"https://n\.example/t/o/[a-z2-7]{40}\.gif", urls.open_pixel(1, 2))
    for url in (urls.preferences(1), urls.click(1, 2, 3), urls.webview(1, 2), urls.confirm(1, 9)):
        assert re.fullmatch(r"https://n\.example/(p|t/c|w|confirm)/[a-z2-7]{40}", url)
    address = verp_address(CODEC.verp(5, 6), "bounces.example.org")
    parsed = parse_tagged(address.upper())
    assert parsed is not None and parsed.tag == "bounces"
    assert CODEC.decode_verp(parsed.token) == (5, 6)
    assert parse_tagged(reply_address("short", "r.example")) is None


def test_tokens_never_expire() -> None:
    from datetime import timedelta

    from freezegun import freeze_time

    token = CODEC.unsubscribe(12, 34)
    with freeze_time() as clock:
        clock.tick(timedelta(days=400))
        assert CODEC.decode_unsubscribe(token) == (12, 34)


@given(st.binary(min_size=25, max_size=25))
def test_fast_base32_equals_the_stdlib(raw: bytes) -> None:
    import base64

    from service.addressing.tokens import b32_lower

    assert b32_lower(raw) == base64.b32encode(raw).decode("ascii").lower()

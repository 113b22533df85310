"""Hypothesis strategies for segment rules, subscribers and tracking events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from service.domain.segment_ast import ATTRIBUTES, SHORTHAND_ATTRS

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
WORDS = ["phd", "postdoc", "munich", "Munich", "lung", "heart", "a", "ü", "o'brien", 'q"x', "%_"]
# separators of the topic column's encoding (subscriber.segment_topics): must never confuse it
WORDS += ["b", "a|b", "|", "~", "~p"]
SCALARS = [k for k, v in ATTRIBUTES.items() if v == "str"]

word = st.sampled_from(WORDS)
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


def _iso(moment: datetime, date_only: bool) -> str:
    return moment.date().isoformat() if date_only else moment.isoformat()


iso_instants = st.builds(_iso, instants, st.booleans())

scalar_name = st.sampled_from(SCALARS)
leaves = st.one_of(
    st.builds(lambda n, v: {"attr": n, "eq": v}, scalar_name, word),
    st.builds(
        lambda n, v: {"attr": n, "in": v}, scalar_name, st.lists(word, min_size=1, max_size=3)
    ),
    st.builds(lambda v: {"attr": "topics", "contains": v}, word),
    st.builds(
        lambda n, v: {"attr": n, "exists": v}, st.sampled_from(sorted(ATTRIBUTES)), st.booleans()
    ),
    st.builds(lambda v: {"language": v}, st.sampled_from(["de", "en"])),
    st.builds(lambda v: {"topic": v}, word),
    st.builds(
        lambda n, v: {n: v},
        st.sampled_from(SHORTHAND_ATTRS),
        word | st.lists(word, min_size=1, max_size=3),
    ),
    st.builds(
        lambda b: {"subscribed": b},
        st.dictionaries(st.sampled_from(["after", "before"]), iso_instants, min_size=1),
    ),
    st.builds(lambda d: {"clicked_within_days": d}, st.integers(1, 400)),
    st.builds(lambda v: {"never_opened": v}, st.booleans()),
)

rules = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda rs: {"all": rs}, st.lists(inner, max_size=3)),
        st.builds(lambda rs: {"any": rs}, st.lists(inner, max_size=3)),
        st.builds(lambda r: {"not": r}, inner),
    ),
    max_leaves=8,
)

# Mostly well-typed attribute values, sometimes the wrong type or null (imports are messy).
odd_value = st.one_of(st.none(), st.integers(0, 3), st.booleans(), st.lists(word, max_size=2))
scalar_value = st.one_of(word, word, word, odd_value)
topics_value = st.one_of(
    st.lists(word, max_size=3),
    st.lists(st.one_of(word, st.integers(0, 3), st.none()), max_size=3),
    word,
    st.none(),
)


@st.composite
def attributes(draw: st.DrawFn) -> dict[str, Any]:
    """A random attributes document over the registry."""
    names = draw(st.sets(st.sampled_from(sorted(ATTRIBUTES))))
    return {n: draw(topics_value if n == "topics" else scalar_value) for n in sorted(names)}


subscribers = st.fixed_dictionaries(
    {"language": st.sampled_from(["de", "en"]), "attributes": attributes(), "created_at": instants}
)


@st.composite
def events(draw: st.DrawFn, n_subscribers: int) -> list[dict[str, Any]]:
    """Tracking events for subscribers 0..n-1."""
    if n_subscribers == 0:
        return []
    return draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "subscriber": st.integers(0, n_subscribers - 1),
                    "kind": st.sampled_from(["open", "click"]),
                    "machine": st.booleans(),
                    "occurred_at": st.integers(0, 500 * 24).map(lambda h: NOW - timedelta(hours=h)),
                }
            ),
            max_size=12,
        )
    )


def revalue(rule: Any, draw: st.DrawFn) -> Any:
    """The same rule shape (keys, nesting, list lengths) with freshly drawn values."""
    if isinstance(rule, dict):
        out: dict[str, Any] = {}
        for key, value in rule.items():
            if key == "attr" or key in ("all", "any", "not"):
                out[key] = value if key == "attr" else revalue(value, draw)
            else:
                out[key] = _fresh(key, value, draw)
        return out
    return [revalue(r, draw) for r in rule]


def _fresh(key: str, value: Any, draw: st.DrawFn) -> Any:
    """A new value of the same JSON type and size."""
    if isinstance(value, bool):
        return draw(st.booleans())
    if isinstance(value, int):
        return draw(st.integers(1, 3650))
    if isinstance(value, list):
        return [_fresh(key, v, draw) for v in value]
    if isinstance(value, dict):
        return {k: draw(iso_instants) for k in value}
    if key == "language":
        return draw(st.sampled_from(["de", "en"]))
    return draw(st.text(st.characters(blacklist_characters="\x00"), min_size=1, max_size=40))

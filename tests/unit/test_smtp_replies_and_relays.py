"""Reply classification (hard bounce vs policy vs temporary) and weighted relay choice."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.errors import InvalidInput
from service.mail.relays import RelaySet, parse_relays
from service.mail.smtp_pool import dot_stuff
from service.mail.smtp_replies import classify_reply
from service.settings import Settings


@pytest.mark.parametrize(
    ("code", "text", "stage", "permanent", "fault"),
    [
        (550, "5.1.1 <a@x>: Recipient address rejected: User unknown", "RCPT", True, True),
        (550, "5.2.1 The email account that you tried to reach is disabled", "RCPT", True, True),
        (550, "No such user here", "RCPT", True, True),
        (550, "5.7.26 Unauthenticated email from x is not accepted", "DATA", True, False),
        (550, "5.7.515 Access denied, sending domain does not meet the required level", "RCPT",
         True, False),
        (550, "5.7.1 Messages missing a valid Message-ID header are not accepted", "DATA",
         True, False),
        (553, "5.1.8 Sender address rejected: Domain not found", "MAIL", True, False),
        (552, "5.2.2 mailbox full", "DATA", True, False),
        (554, "Transaction failed", "DATA", True, False),
        (421, "4.7.28 Our system has detected an unusual rate", "RCPT", False, False),
        (451, "4.3.0 try again later", "RCPT", False, False),
    ],
)  # fmt: skip
def test_classify(code: int, text: str, stage: str, permanent: bool, fault: bool) -> None:
    verdict = classify_reply(code, text, stage=stage)
    assert (verdict.permanent, verdict.recipient_fault) == (permanent, fault)


def test_relays_default_to_smtp_url_and_parse_weights() -> None:
    (only,) = parse_relays(Settings(smtp_url="smtp://mx.example:2525?starttls=1"))
    assert (only.target.host, only.target.port, only.target.starttls) == ("mx.example", 2525, True)
    relays = parse_relays(
        Settings(smtp_relays="smtp://a.example:25?weight=3, smtps://u:p@b.example?weight=1")
    )
    assert [(r.name, r.weight) for r in relays] == [("a.example:25", 3.0), ("b.example:465", 1.0)]
    with pytest.raises(InvalidInput, match="weight"):
        parse_relays(Settings(smtp_relays="smtp://a.example?weight=0"))
    with pytest.raises(InvalidInput, match=r"\*\*\*"):
        parse_relays(Settings(smtp_relays="http://u:secret@a.example"))


def test_weighted_order_and_cooldown() -> None:
    relays = parse_relays(Settings(smtp_relays="smtp://a.x?weight=3,smtp://b.x?weight=1"))
    chooser = RelaySet(relays, cooldown_s=60)
    random.seed(7)
    firsts = [chooser.order()[0].name for _ in range(4000)]
    share = firsts.count("a.x:25") / len(firsts)
    assert 0.7 < share < 0.8  # weight 3:1
    chooser.mark_down(relays[0])
    assert [r.name for r in chooser.order()] == ["b.x:25", "a.x:25"]  # cooling relay goes last


@given(st.lists(st.sampled_from([b".", b"..", b"a", b"\r\n", b" ", b"=2E"]), max_size=30))
def test_dot_stuffing_matches_smtplib(pieces: list[bytes]) -> None:
    import smtplib

    data = b"".join(pieces)
    expected = smtplib._quote_periods(data)
    if expected[-2:] != b"\r\n":
        expected += b"\r\n"
    assert dot_stuff(data) == expected

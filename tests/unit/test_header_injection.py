"""No header injection: hostile names and subjects are refused or end up harmless (STANDARDS C4)."""

from __future__ import annotations

import re
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.errors import InvalidInput
from service.mail.compose import EditionSkeleton, Recipient
from service.settings import Settings
from tests.mail_samples import sample_edition

EXPECTED = {
    "from", "to", "subject", "date", "message-id", "mime-version", "content-type", "reply-to",
    "list-id", "list-unsubscribe", "list-unsubscribe-post", "feedback-id", "precedence",
}  # fmt: skip
NASTY = [
    "\r\nBcc: x@evil", "\nBcc: x@evil", "\r", "\x00", "=?UTF-8?Q?=0A?=Bcc: x@evil",
    "=?utf-8?b?CkJjYzogeEBldmls?=", "\u2028Bcc: x", "\x85Bcc: x", "\x0bX: y", "Bcc: x@evil\n",
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=20)), max_size=5).map("".join)
SETTINGS = Settings(secret_key="injection-test-secret-0123456789ab")


def check_message(data: bytes) -> None:
    """Header set as expected, no Bcc, every CR and LF part of a CRLF."""
    assert re.search(rb"\r(?!\n)|(?<!\r)\n", data) is None
    msg = BytesParser(policy=default).parsebytes(data)
    assert {k.lower() for k in msg} == EXPECTED
    assert msg.defects == [] or all("Bcc" not in str(d) for d in msg.defects)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(subject=hostile, name=hostile)
def test_C4_hostile_subject_and_name(subject: str, name: str) -> None:
    try:
        sk = EditionSkeleton.build(
            edition=sample_edition(1, 1), subject=subject or "x", language="en", campaign_id=1,
            list_id="ecr", list_name="ECR", announcement_ids=(5,), settings=SETTINGS,
        )  # fmt: skip
    except InvalidInput as exc:
        assert "refused" in str(exc)
        return
    check_message(sk.message_for(Recipient(1, "a@example.com", name, tracking=True)).data)


def test_fixed_corpus(tmp_path: Path) -> None:
    refused = 0
    for subject in ["Eve\r\nBcc: x@evil", "=?UTF-8?Q?=0A?=Bcc: x@evil", "trailing\n", "fine"]:
        try:
            sk = EditionSkeleton.build(
                edition=sample_edition(1, 1), subject=subject, language="en", campaign_id=1,
                list_id="ecr", list_name="ECR", announcement_ids=(5,), settings=SETTINGS,
            )  # fmt: skip
        except InvalidInput:
            refused += 1
            continue
        message = sk.message_for(Recipient(1, "a@example.com", "Eve\r\nBcc: x@evil", False))
        check_message(message.data)
        assert b"Bcc" not in message.data.split(b"\r\n\r\n")[0]
    assert refused == 3

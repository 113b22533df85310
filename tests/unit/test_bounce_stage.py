"""The SMTP stage of a refusal decides what 'unknown user' means (sisimai's filtered rule)."""

from __future__ import annotations

import pytest

from service.inbound.reading.bounce_rules import diagnose
from service.inbound.reading.smtp_stage import smtp_stage

POSTFIX_RCPT = (
    "<ada@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <ada@example.org>:\n"
    "    Recipient address rejected: User unknown (in reply to RCPT TO command)"
)
POSTFIX_DATA = (
    "<ada@example.org>: host mx.example.org[192.0.2.1] said: 550 Unknown user\n"
    "    ada@example.org (in reply to end of DATA command)"
)
EXIM_RCPT = "SMTP error from remote mail server after RCPT TO:<ada@example.org>:\n550 No such user"
EXIM_DATA = "SMTP error from remote mail server after end of data:\n550 No such user here"
SENDMAIL_DATA = (
    "... while talking to mx.example.jp.:\n>>> RCPT To:<ada@example.jp>\n<<< 250 OK\n"
    ">>> DATA\n<<< 550 Unknown user ada@example.jp\n554 5.0.0 Service unavailable"
)
SENDMAIL_RCPT = (
    "... while talking to mx.example.jp.:\n>>> RCPT To:<ada@example.jp>\n"
    "<<< 550 Unknown user ada@example.jp\n550 5.1.1 <ada@example.jp>... User unknown"
)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        (POSTFIX_RCPT, "RCPT"),
        (POSTFIX_DATA, "DATA"),
        (EXIM_RCPT, "RCPT"),
        (EXIM_DATA, "DATA"),
        (SENDMAIL_DATA, "DATA"),
        (SENDMAIL_RCPT, "RCPT"),
        ("SMTP:RCPT host 192.0.2.8: 553 5.3.0 <a@b.example>... No such user here", "RCPT"),
        ("550 5.2.1 <a@b.example>... User Unknown [RCPT_TO]", "RCPT"),
        ("550 Unknown user a@b.example", None),
        ("the data you sent was fine; mail from us is welcome", None),
    ],
)
def test_smtp_stage(text: str, stage: str | None) -> None:
    assert smtp_stage(text) == stage


@pytest.mark.parametrize(
    ("text", "status", "expected"),
    [
        (POSTFIX_RCPT, None, ("hard", "recipient")),
        (SENDMAIL_RCPT, "5.1.1", ("hard", "recipient")),
        (EXIM_RCPT, None, ("hard", "recipient")),
        # the same words after DATA are a filter speaking
        (POSTFIX_DATA, None, ("soft", "filtered")),
        (SENDMAIL_DATA, "5.2.0", ("soft", "filtered")),
        (EXIM_DATA, None, ("soft", "filtered")),
        # relayed reply, no stage, no address code: not proof either
        ("smtp; 550 Unknown user ada@example.jp", "5.0.0", ("soft", "filtered")),
        ("smtp; 550 : User unknown", "5.0.0", ("soft", "filtered")),
        # an x.1.1 code is proof on its own, unless the text names a full mailbox
        ("smtp; 550 5.1.1 <a@b.example>... User Unknown", None, ("hard", "recipient")),
        ("550 5.1.1 User Unknown. Not enough disk space", None, ("soft", "mailbox")),
        # the reporting system's own directory (no SMTP reply relayed) is proof
        (
            "User some.name (a@b.example) not listed in Domino Directory",
            None,
            ("hard", "recipient"),
        ),
        # a dead domain does not depend on the stage
        (
            "550 Host or domain name not found (in reply to end of DATA command)",
            None,
            ("hard", "recipient"),
        ),
        (
            "x-unix; procmail: Couldn't create /var/mail/ada: No such user",
            "5.1.1",
            ("soft", "mailbox"),
        ),
        ("550 5.1.1 Refused due to recipient preferences", None, ("soft", "filtered")),
    ],
)
def test_unknown_user_depends_on_stage(
    text: str, status: str | None, expected: tuple[str, str]
) -> None:
    remote = text.splitlines()[-1] if text.startswith(("smtp;", "x-unix")) else ""
    d = diagnose(text, status, remote=remote)
    assert (d.bounce_type, d.category) == expected

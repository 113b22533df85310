"""Replies shaped like real mail clients write them, built from a captured newsletter message.

Each builder returns the raw bytes a subscriber's client would submit: the client's own
headers (threading, Content-Language, X-Mailer), its attribution line or header block, its
way of quoting (Outlook: unindented original below a header block; Gmail: "> " lines; Apple
Mail: a blockquote type=cite in the HTML part) and a signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from service.models._common import utcnow

_MAILTO_RE = re.compile(r'href="mailto:(reply\+[a-z0-9]+@[^"?]+)(?:\?[^"]*)?"', re.I)


@dataclass(frozen=True)
class Newsletter:
    """What a subscriber's client sees of one received newsletter."""

    subject: str
    sender: str  # the From header as shown
    reply_to: str  # the edition-level reply+TOKEN address
    message_id: str
    to: str
    plain: str
    html: str
    verp: str  # envelope sender: where bounces go
    list_unsubscribe: str  # the List-Unsubscribe header as received

    @property
    def unsubscribe_mailto(self) -> str:
        """The mailto: address of List-Unsubscribe (RFC 2369)."""
        found = re.search(r"<mailto:([^>?]+)", self.list_unsubscribe)
        assert found, self.list_unsubscribe
        return found[1]

    @property
    def announcement_mailtos(self) -> list[str]:
        """The per-announcement "reply to ask about this" addresses, in edition order."""
        return list(dict.fromkeys(_MAILTO_RE.findall(self.html)))


def newsletter_from(mail_from: str, msg: EmailMessage) -> Newsletter:
    """Read a captured campaign message the way a client displays it."""
    return Newsletter(
        subject=str(msg["Subject"]),
        sender=str(msg["From"]),
        reply_to=parseaddr(str(msg["Reply-To"]))[1],
        message_id=str(msg["Message-ID"]),
        to=str(msg["To"]),
        plain=msg.get_body(("plain",)).get_content(),  # type: ignore[union-attr]
        html=msg.get_body(("html",)).get_content(),  # type: ignore[union-attr]
        verp=mail_from,
        list_unsubscribe=str(msg["List-Unsubscribe"]),
    )


def _reply_headers(
    nl: Newsletter, *, sender: str, to: str, subject: str, mailer: str
) -> EmailMessage:
    """The headers every client sets on a reply."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">"))
    msg["In-Reply-To"] = nl.message_id
    msg["References"] = nl.message_id
    msg["X-Mailer"] = mailer
    return msg


def outlook_de_reply(nl: Newsletter, *, sender: str, question: str, signature: str) -> bytes:
    """Outlook (German UI): text, signature, a Von/Gesendet/An/Betreff block, the original."""
    msg = _reply_headers(
        nl,
        sender=sender,
        to=nl.reply_to,
        subject=f"AW: {nl.subject}",
        mailer="Microsoft Outlook 16.0",
    )
    msg["Thread-Topic"] = nl.subject
    msg["Thread-Index"] = "AQHZ3k1x2y3z4A5B6C7D8E9F0g=="
    msg["Content-Language"] = "de-DE"
    block = (
        "________________________________\n"
        f"Von: {nl.sender}\n"
        "Gesendet: Donnerstag, 26. November 2026 10:15\n"
        f"An: {nl.to}\n"
        f"Betreff: {nl.subject}\n\n"
    )
    msg.set_content(f"{question}\n\n{signature}\n\n{block}{nl.plain}")
    html_question = question.replace("\n", "<br>\n")
    msg.add_alternative(
        '<html><body><div class="WordSection1">'
        f"<p class=MsoNormal>{html_question}</p><p class=MsoNormal>"
        f"{signature.replace(chr(10), '<br>')}</p></div>"
        '<div id="divRplyFwdMsg"><hr><b>Von:</b> ...</div>'
        f"{nl.html}</body></html>",
        subtype="html",
    )
    return msg.as_bytes()


def gmail_en_reply(nl: Newsletter, *, sender: str, question: str, quoted: str) -> bytes:
    """Gmail: text, "On <date>, <name> wrote:" and the quoted part as "> " lines."""
    msg = _reply_headers(
        nl, sender=sender, to=nl.reply_to, subject=f"Re: {nl.subject}", mailer="Gmail"
    )
    name, addr = parseaddr(nl.sender)
    attribution = f"On Thu, Nov 26, 2026 at 10:15 AM {name} <{addr}> wrote:"
    quoted_lines = "\n".join(f"> {line}" if line else ">" for line in quoted.splitlines())
    msg.set_content(f"{question}\n\n{attribution}\n\n{quoted_lines}\n")
    msg.add_alternative(
        f'<div dir="ltr">{question}</div><br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">{attribution}<br></div>'
        f'<blockquote class="gmail_quote">{quoted}</blockquote></div>',
        subtype="html",
    )
    return msg.as_bytes()


def apple_mail_reply(nl: Newsletter, *, sender: str, question: str, quoted: str) -> bytes:
    """Apple Mail (iPhone): text, "Sent from my iPhone", attribution, quoted selection."""
    msg = _reply_headers(
        nl, sender=sender, to=nl.reply_to, subject=f"Re: {nl.subject}", mailer="iPhone Mail (21G93)"
    )
    name, addr = parseaddr(nl.sender)
    attribution = f"On 26. Nov 2026, at 10:15, {name} <{addr}> wrote:"
    quoted_lines = "\n".join(f"> {line}" if line else ">" for line in quoted.splitlines())
    msg.set_content(f"{question}\n\nSent from my iPhone\n\n> {attribution}\n> \n{quoted_lines}\n")
    msg.add_alternative(
        f'<html><body dir="auto"><div dir="ltr">{question}</div><div dir="ltr"><br>'
        f'<div>Sent from my iPhone</div></div><div dir="ltr"><br><blockquote type="cite">'
        f'{attribution}<br><br></blockquote></div><blockquote type="cite">{quoted}'
        "</blockquote></body></html>",
        subtype="html",
    )
    return msg.as_bytes()


def mailto_message(*, sender: str, to: str, subject: str, question: str, signature: str) -> bytes:
    """A new mail a client composes from a mailto: link (no quote; "-- " signature)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">"))
    msg["User-Agent"] = "Mozilla Thunderbird"
    msg.set_content(f"{question}\n\n-- \n{signature}\n")
    return msg.as_bytes()


def out_of_office_de(nl: Newsletter, *, sender: str) -> bytes:
    """An Exchange out-of-office notice ("Abwesenheitsnotiz") to the edition's Reply-To."""
    msg = _reply_headers(
        nl,
        sender=sender,
        to=nl.reply_to,
        subject=f"Abwesenheitsnotiz: {nl.subject}",
        mailer="Microsoft Exchange Server",
    )
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(
        "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 4. Dezember nicht im Büro "
        "und habe keinen Zugriff auf meine E-Mails. In dringenden Fällen wenden Sie sich bitte "
        "an sekretariat@munich.example.org.\n"
    )
    return msg.as_bytes()


def dsn_user_unknown(nl: Newsletter, *, recipient: str, original: bytes) -> bytes:
    """A Postfix RFC 3464 bounce (5.1.1) sent to the message's VERP envelope sender."""
    headers_only = original.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    diagnostic = (
        f"550 5.1.1 <{recipient}>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )
    text = (
        "From: MAILER-DAEMON@mx.munich.example.org (Mail Delivery System)\r\n"
        f"To: {nl.verp}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(utcnow())}\r\n"
        f"Message-ID: {make_msgid(domain='mx.munich.example.org')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        '\tboundary="4Xb2Lq0nQz.1732615500/mx.munich.example.org"\r\n\r\n'
        "This is a MIME-encapsulated message.\r\n\r\n"
        "--4Xb2Lq0nQz.1732615500/mx.munich.example.org\r\n"
        "Content-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.munich.example.org.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n\r\n"
        f"<{recipient}>: host mx.munich.example.org[10.0.0.5] said: {diagnostic}\r\n\r\n"
        "--4Xb2Lq0nQz.1732615500/mx.munich.example.org\r\n"
        "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.munich.example.org\r\n"
        "Arrival-Date: Thu, 26 Nov 2026 10:15:00 +0100 (CET)\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.munich.example.org\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        "--4Xb2Lq0nQz.1732615500/mx.munich.example.org\r\n"
        "Content-Description: Undelivered Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"{headers_only}\r\n\r\n"
        "--4Xb2Lq0nQz.1732615500/mx.munich.example.org--\r\n"
    )
    return text.encode("utf-8")


def coordinator_answer(handoff: EmailMessage, *, sender: str, answer: str) -> bytes:
    """A coordinator answering the hand-off in Outlook (English UI): answer on top, quote below."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = str(handoff["Reply-To"])
    msg["Subject"] = f"RE: {handoff['Subject']}"
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    msg["In-Reply-To"] = str(handoff["Message-ID"])
    msg["References"] = str(handoff["Message-ID"])
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    body = handoff.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    msg.set_content(
        f"{answer}\n\nBest regards,\nThe coordinator\n\n"
        "-----Original Message-----\n"
        f"From: {handoff['From']}\nSent: Thursday, November 26, 2026 11:02 AM\n"
        f"To: {formataddr(parseaddr(str(handoff['To'])))}\nSubject: {handoff['Subject']}\n\n{body}"
    )
    return msg.as_bytes()

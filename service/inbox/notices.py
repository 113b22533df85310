"""Short mails the inbox sends to coordinators: follow-ups, warnings, escalations, held answers.

Each carries the inquiry's answer address as Reply-To (replying answers the subscriber, like
the hand-off) and a link to the thread in the newsroom.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, make_msgid

from service.addressing.mailbox_tokens import encode_answer_token
from service.addressing.subaddresses import answer_address
from service.models import Coordinator, Inquiry
from service.settings import get_settings


def thread_url(inquiry_id: int) -> str:
    """Where the newsroom shows this inquiry."""
    s = get_settings()
    return f"{(s.newsroom_url or s.public_url).rstrip('/')}/newsroom/inbox/{inquiry_id}"


def notice(
    *, inquiry: Inquiry, to: Coordinator, subject: str, body: str, answerable: bool = True
) -> EmailMessage:
    """A notice about `inquiry` to one coordinator, threaded under the hand-off."""
    s = get_settings()
    msg = EmailMessage(policy=SMTP)
    msg["From"] = formataddr((s.from_name, s.from_address))
    msg["To"] = formataddr((" ".join(to.name.split()), to.email))
    if answerable:
        token = encode_answer_token(inquiry.id or 0, s.secret_bytes)
        msg["Reply-To"] = answer_address(token, s.reply_domain)
    msg["Subject"] = " ".join(f"[Newsdesk inquiry #{inquiry.id}] {subject}".split())
    msg["Message-ID"] = make_msgid(domain=s.message_id_domain)
    msg["Auto-Submitted"] = "auto-generated"
    if inquiry.handoff_message_id:
        msg["In-Reply-To"] = inquiry.handoff_message_id
        msg["References"] = inquiry.handoff_message_id
    msg.set_content(f"{body}\n\n{thread_url(inquiry.id or 0)}\n")
    return msg

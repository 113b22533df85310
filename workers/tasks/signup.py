"""Signup mail from a queue: the public form answers the same, at once, whatever the address."""

from __future__ import annotations

import smtplib
from email import message_from_string
from email.message import EmailMessage
from email.policy import SMTP

from service.mail.outbox import OutboxError, send_message
from workers.celery_app import celery_app
from workers.tasks.base import NewsdeskTask


@celery_app.task(
    name="newsdesk.send_signup_mail",
    base=NewsdeskTask,
    autoretry_for=(OSError, smtplib.SMTPException, OutboxError),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def send_signup_mail(message: str) -> None:
    """Deliver a finished confirmation request through the outbox (signed, relays, limits)."""
    msg = message_from_string(message, policy=SMTP)
    assert isinstance(msg, EmailMessage)
    send_message(msg)


def queue_signup_mail(msg: EmailMessage) -> None:
    """The form's MailSender: publish the finished mail; a relay outage is the worker's retry."""
    send_signup_mail.delay(msg.as_string(policy=SMTP))

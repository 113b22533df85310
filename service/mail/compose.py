"""Campaign messages: a MIME skeleton built once per edition, filled and signed per recipient.

`EditionSkeleton.build(...)` does everything that is the same for every recipient: placeholder
splits, quoted-printable encoding and DKIM canonicalisation of constant lines, the folded
constant header fields, the multipart structure. `message_for(recipient)` then computes the
recipient's tokens, fills the placeholder lines, assembles the bytes and signs them. No
EmailMessage, Jinja2 or premailer runs per recipient. The result is byte-identical to
`tests.support.reference_build.build_reference_message` (EmailMessage, policy SMTP), which the
tests check.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.utils import format_datetime

from service.addressing.subaddresses import reply_address, unsubscribe_mailto_address, verp_address
from service.addressing.tokens import TOKEN_LENGTH, TokenCodec, codec
from service.addressing.urls import PublicUrls
from service.errors import InvalidInput
from service.mail import headers as H
from service.mail.body_template import BodyTemplate
from service.mail.dkim_keys import load_signer
from service.mail.dkim_sign import DkimSigner, body_hash, relaxed_lines, split_headers
from service.mail.personalise import PIXEL_TAG as PIXEL_TAG  # re-exported for tests and bench
from service.mail.personalise import PersonalEdition, Personaliser, personalise
from service.mail.personalise import Recipient as Recipient
from service.rendering import merge_tags
from service.rendering.contract import NAME, PIXEL, PREFSURL, UNSUBURL, WEBURL, RenderedEdition
from service.rendering.contract import clean_name as clean_name
from service.settings import Settings

PART_HEADERS = (
    'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
)
_SAMPLE_TOKEN = "a" * TOKEN_LENGTH
_MESSAGE_ID_RANDOM = 24  # base32 characters = 120 random bits
SUBJECT_CACHE = 4096  # distinct first names per edition worth keeping folded


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message ready for SMTP: VERP envelope sender, single RCPT, CRLF bytes (signed)."""

    envelope_from: str
    rcpt: str
    data: bytes
    message_id: str  # with angle brackets, as in the header


def new_message_id(domain: str) -> str:
    """<random@domain>: unique per delivery attempt, no personal data."""
    random_part = base64.b32encode(os.urandom(15)).decode("ascii").lower()
    return f"<{random_part}@{domain}>"


@dataclass(frozen=True)
class EditionMeta:
    """The per-edition facts a message needs."""

    campaign_id: int
    list_id: str
    list_name: str
    subject: str
    language: str
    announcement_ids: tuple[int, ...]
    links: tuple[str, ...]
    edition_id: int = 0  # > 0: click tokens name the edition, so a click needs no lookup


def header_values(meta: EditionMeta, settings: Settings, *, boundary: str) -> dict[str, str]:
    """The per-edition header values (before folding), shared with the reference build."""
    H.check_value("subject", meta.subject)
    H.check_value("from_name", settings.from_name)
    return {
        "From": str(Address(display_name=settings.from_name, addr_spec=settings.from_address)),
        "Subject": meta.subject,
        "Content-Type": f'multipart/alternative; boundary="{boundary}"',
        "List-Id": H.list_id_value(meta.list_id, meta.list_name, settings.list_id_domain),
        "Feedback-ID": H.feedback_id_value(
            meta.campaign_id, meta.list_id, settings.feedback_sender_id
        ),
    }


def _field_tuple(folded: bytes) -> tuple[bytes, bytes]:
    """(name, raw value) of one folded field, the shape the DKIM signer takes."""
    name, _, value = folded[:-2].partition(b":")
    return name, value


def _fields_of(block: bytes) -> list[tuple[bytes, bytes]]:
    """Fields of a block of folded header fields."""
    return split_headers(block + b"\r\n")[0] if block else []


def _validate_keys(keys: set[str], meta: EditionMeta) -> None:
    """Every placeholder must be one we can fill; the message names the first unknown one."""
    allowed = {NAME, UNSUBURL, PREFSURL, WEBURL, PIXEL}
    allowed |= {k for k in keys if merge_tags.KEY_RE.fullmatch(k)}
    allowed |= {f"REPLY{n}" for n in range(len(meta.announcement_ids))}
    allowed |= {f"LINK{n}" for n in range(len(meta.links))}
    unknown = sorted(keys - allowed)
    if unknown:
        raise InvalidInput(
            f"edition of campaign {meta.campaign_id} uses unknown placeholder(s) {unknown}: "
            f"{len(meta.announcement_ids)} announcement(s), {len(meta.links)} link(s)"
        )
    for url in meta.links:
        H.check_value("link URL", url)


class EditionSkeleton:
    """Everything about an edition's messages that does not depend on the recipient."""

    def __init__(self, meta: EditionMeta, edition: RenderedEdition, settings: Settings) -> None:
        self.meta = meta
        self.tokens: TokenCodec = codec(settings)
        self.urls = PublicUrls(settings, self.tokens)
        self.bounce_domain = settings.bounce_domain
        self.reply_domain = settings.reply_domain
        self.message_id_domain = settings.message_id_domain
        self.signer: DkimSigner | None = load_signer(settings)
        self.boundary = "==nd" + os.urandom(12).hex() + "=="  # '==' never occurs in QP text
        self.text = BodyTemplate(edition.text)
        self.html = BodyTemplate(edition.html)
        self.keys = self.text.keys | self.html.keys
        _validate_keys(self.keys, meta)
        self.personal = PersonalEdition.of(
            campaign_id=meta.campaign_id,
            announcement_ids=meta.announcement_ids,
            links=meta.links,
            keys=self.keys,
            edition_id=meta.edition_id,
        )
        self.personaliser = Personaliser(self.tokens, self.urls, settings.reply_domain)
        self._build_headers(settings)
        self._build_frame()
        self._date_cache: tuple[int, bytes] = (-1, b"")

    @classmethod
    def build(
        cls,
        *,
        edition: RenderedEdition,
        subject: str,
        language: str,
        campaign_id: int,
        list_id: str,
        list_name: str,
        announcement_ids: tuple[int, ...],
        settings: Settings,
        edition_id: int = 0,
    ) -> EditionSkeleton:
        """Build once per edition (segment x language); then call message_for per recipient."""
        meta = EditionMeta(
            campaign_id,
            list_id,
            list_name,
            subject,
            language,
            announcement_ids,
            edition.links,
            edition_id,
        )
        return cls(meta, edition, settings)

    def _build_headers(self, settings: Settings) -> None:
        """Fold every constant field once; learn the folding of token-shaped fields."""
        meta = self.meta
        values = header_values(meta, settings, boundary=self.boundary)
        self.h_from = H.fold("From", values["From"])
        self.h_subject = H.fold("Subject", values["Subject"])
        # A subject with merge tags is compiled once; per recipient: join, fold (cached per text).
        self.subject = merge_tags.compile_text(meta.subject)
        self._subject_cache: dict[str, bytes] = {}
        self.h_mime = H.fold("MIME-Version", "1.0") + H.fold("Content-Type", values["Content-Type"])
        self.h_list_id = H.fold("List-Id", values["List-Id"])
        self.h_tail = H.fold("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
        self.h_tail += H.fold("Feedback-ID", values["Feedback-ID"])
        if settings.precedence_bulk:
            self.h_tail += H.fold("Precedence", "bulk")
        self.s_message_id = H.Slot(
            "Message-ID", "<{}@" + self.message_id_domain + ">", "a" * _MESSAGE_ID_RANDOM
        )
        self.s_reply_to = H.Slot("Reply-To", reply_address("{}", self.reply_domain), _SAMPLE_TOKEN)
        self.const_fields = {
            name: _field_tuple(folded)
            for name, folded in (
                ("from", self.h_from), ("subject", self.h_subject), ("list-id", self.h_list_id)
            )
        }  # fmt: skip
        self.mime_fields = _fields_of(self.h_mime)
        self.tail_fields = _fields_of(self.h_tail)

    def _build_frame(self) -> None:
        """Boundary lines and part headers around the two bodies, with canonical forms."""
        b = self.boundary
        self.f_text = f"--{b}\r\n{PART_HEADERS.format('plain')}".encode("ascii")
        self.f_html = f"\r\n--{b}\r\n{PART_HEADERS.format('html')}".encode("ascii")
        self.f_end = f"\r\n--{b}--\r\n".encode("ascii")
        self.c_text, self.c_html, self.c_end = (
            relaxed_lines(x) for x in (self.f_text, self.f_html, self.f_end)
        )

    def message_for(
        self, recipient: Recipient, *, now: datetime | None = None, message_id: str | None = None
    ) -> OutgoingMessage:
        """The signed message for one recipient (now and message_id are fixed only by tests)."""
        meta, tok = self.meta, self.tokens
        sid, cid = recipient.subscriber_id, meta.campaign_id
        address = H.ascii_address(recipient.email)
        values = personalise(self.personal, recipient, using=self.personaliser)
        unsub_token, unsub_url = values.unsubscribe_token, values.text[UNSUBURL]
        text_values = {k: v.encode() for k, v in values.text.items()}
        html_values = {k: v.encode() for k, v in values.html.items()}
        h_subject = self.h_subject if self.subject.constant else self._subject_for(recipient.name)
        text, c_text = self.text.render(text_values)
        body_html, c_html = self.html.render(html_values)
        when = now or datetime.now(UTC)
        msg_id = message_id or new_message_id(self.message_id_domain)
        variable = [
            b"To: " + address.encode("ascii") + b"\r\n",
            self._date(when),
            self._message_id_field(msg_id),
            self.s_reply_to.render(tok.reply(cid, sid, 0)),
            H.list_unsubscribe_field(
                unsub_url, unsubscribe_mailto_address(unsub_token, self.reply_domain)
            ),
        ]
        head = b"".join(
            [self.h_from, variable[0], h_subject, variable[1], variable[2], self.h_mime,
             variable[3], self.h_list_id, variable[4], self.h_tail]
        )  # fmt: skip
        data = b"".join([head, b"\r\n", self.f_text, *text, self.f_html, *body_html, self.f_end])
        if self.signer is not None:
            canonical = [self.c_text, *c_text, self.c_html, *c_html, self.c_end]
            constant = self.subject.constant
            subject_field = self.const_fields["subject"] if constant else _field_tuple(h_subject)
            data = self._sign(variable, canonical, int(when.timestamp()), subject_field) + data
        envelope = verp_address(tok.verp(cid, sid), self.bounce_domain)
        return OutgoingMessage(envelope_from=envelope, rcpt=address, data=data, message_id=msg_id)

    def _sign(
        self,
        variable: list[bytes],
        canonical: list[bytes],
        timestamp: int,
        subject: tuple[bytes, bytes],
    ) -> bytes:
        """DKIM-Signature field(s) from pre-split header fields and the canonical body pieces."""
        assert self.signer is not None
        to, date, message_id, reply_to, unsubscribe = (_field_tuple(v) for v in variable)
        fields = [
            self.const_fields["from"], to, subject, date, message_id,
            *self.mime_fields, reply_to, self.const_fields["list-id"], unsubscribe,
            *self.tail_fields,
        ]  # fmt: skip
        return self.signer.sign_prepared(fields, body_hash(canonical), timestamp=timestamp)

    def _subject_for(self, name: str | None) -> bytes:
        """The folded Subject with merge tags filled (RFC 2047 by the stdlib), cached per text."""
        text = self.subject.render(clean_name(name))
        folded = self._subject_cache.get(text)
        if folded is None:
            folded = H.fold("Subject", text)
            if len(self._subject_cache) < SUBJECT_CACHE:
                self._subject_cache[text] = folded
        return folded

    def _message_id_field(self, msg_id: str) -> bytes:
        """Message-ID field: the learned folding for our own shape, the stdlib for any other."""
        local, at, domain = msg_id[1:-1].partition("@")
        if (
            msg_id[:1] == "<"
            and at
            and len(local) == _MESSAGE_ID_RANDOM
            and domain == self.message_id_domain
        ):
            return self.s_message_id.render(local)
        return H.fold("Message-ID", msg_id)

    def _date(self, when: datetime) -> bytes:
        """The folded Date field, cached per second."""
        second = int(when.timestamp())
        if self._date_cache[0] != second:
            value = format_datetime(when.astimezone(UTC).replace(microsecond=0))
            self._date_cache = (second, H.fold("Date", value))
        return self._date_cache[1]

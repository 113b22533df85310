"""Header fields for campaign mail: validation, stdlib-identical folding, RFC 2369/2919/8058.

Folding is done here, once, before signing, and is exactly what goes on the wire. Fields whose
value is the same for every recipient are folded by the stdlib (`email.policy.SMTP`) at edition
build time, so they are byte-identical to an `EmailMessage` build. Per-recipient fields are
either short single lines or token-shaped: their folding is learned once from a sample value.

List-Unsubscribe is the deliberate exception: the stdlib folder turns a URI longer than a line
into RFC 2047 encoded words, which receivers cannot use (RFC 2369 wants the URIs literally in
angle brackets), and a folded-after-signing header breaks DKIM (nodemailer #1654). We fold it
ourselves after the comma between the two URIs, and the reference build uses the same value.
"""

from __future__ import annotations

import re
from email.header import decode_header
from email.policy import SMTP

from service.errors import InvalidInput

HEADER_POLICY = SMTP  # headers folded at 78 columns, CRLF
PART_POLICY = SMTP.clone(max_line_length=76)  # quoted-printable lines are limited to 76 (RFC 2045)
# Characters str.splitlines() breaks on, and NUL: none may enter a header value.
FORBIDDEN_IN_HEADERS = "\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_FEEDBACK_SENDER = re.compile(r"[A-Za-z0-9._-]{5,15}\Z")
_CONTINUATION = re.compile(rb"\r\n(?![ \t])")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def check_value(where: str, value: str) -> str:
    """Refuse line breaks and NUL in a value bound for a header (no header injection)."""
    bad = next((c for c in value if c in FORBIDDEN_IN_HEADERS), None)
    if bad is not None:
        raise InvalidInput(f"{where} contains a line break or NUL ({bad!r}); refused")
    return value


def fold(name: str, value: str) -> bytes:
    """Exactly what EmailMessage(policy=SMTP) emits for msg[name] = value, checked for injection."""
    check_value(name, value)
    _check_encoded_words(name, value)
    folded = HEADER_POLICY.fold_binary(name, HEADER_POLICY.header_factory(name, value))
    _check_folded(name, folded)
    return folded


def _check_encoded_words(name: str, value: str) -> None:
    """Refuse RFC 2047 words that decode to a line break, whatever the runtime does with them.

    Unpatched runtimes (CVE-2024-6923) emit the decoded newline; patched ones re-encode it.
    Refusing both ways keeps one behaviour on every interpreter (issue 14, item 8).
    """
    for word in _ENCODED_WORD.findall(value):
        try:
            decoded = "".join(
                part.decode(charset or "ascii", "replace") if isinstance(part, bytes) else part
                for part, charset in decode_header(word)
            )
        except (ValueError, LookupError):
            continue  # not decodable: the stdlib leaves it as literal text
        if any(c in FORBIDDEN_IN_HEADERS for c in decoded):
            raise InvalidInput(f"{name} holds an encoded word decoding to a line break; refused")


def _check_folded(name: str, folded: bytes) -> None:
    """Every CR/LF must be a CRLF followed by folding white space (or end the field).

    Runtimes without the CVE-2024-6923 fix decode an encoded word such as '=?UTF-8?Q?=0A?='
    into a raw newline while folding; this check refuses such values whatever the runtime.
    """
    body = folded[:-2] if folded.endswith(b"\r\n") else folded
    if b"\n" in body.replace(b"\r\n", b"") or b"\r" in body.replace(b"\r\n", b""):
        raise InvalidInput(f"{name} would contain a bare line break after folding; refused")
    if _CONTINUATION.search(body) or len(max(folded.split(b"\r\n"), key=len)) > 998:
        raise InvalidInput(f"{name} would start a new header field after folding; refused")


class Slot:
    """A per-recipient field whose variable part has a fixed shape (a token or a random id).

    The stdlib folds a sample once; per recipient the sample is replaced in the folded bytes.
    """

    def __init__(self, name: str, template: str, sample: str) -> None:
        folded = fold(name, template.format(sample))
        if folded.count(sample.encode()) != 1:
            raise InvalidInput(f"{name}: the folded field splits its variable part; refusing")
        self.prefix, _, self.suffix = folded.partition(sample.encode())

    def render(self, variable: str) -> bytes:
        """The folded field for one recipient."""
        return self.prefix + variable.encode("ascii") + self.suffix


def ascii_address(address: str) -> str:
    """The address as sent: IDNA domain; refuse what would need SMTPUTF8 or quoting."""
    check_value("recipient address", address)
    local, at, domain = address.rpartition("@")
    if not at or not _DOT_ATOM.match(local):
        raise InvalidInput(f"recipient address {address!r} is not a plain dot-atom address")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidInput(f"recipient domain of {address!r} is not valid IDNA: {exc}") from exc
    if not _DOT_ATOM.match(domain) or len(local) > 64 or len(address) > 254:
        raise InvalidInput(f"recipient address {address!r} is not sendable")
    return f"{local}@{domain}"


def list_id_value(list_id: str, list_name: str, list_id_domain: str) -> str:
    """RFC 2919: 'phrase <list-id.domain>'; quoted for ASCII names, encoded words otherwise."""
    check_value("list name", list_name)
    ident = f"{list_id}.{list_id_domain}"
    if not _DOT_ATOM.match(ident) or "." not in ident or len(ident) > 255:
        raise InvalidInput(f"list id {ident!r} is not a valid RFC 2919 list-id")
    if list_name.isascii():
        quoted = list_name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{ident}>'
    return f"{list_name} <{ident}>"


def feedback_id_value(campaign_id: int, list_id: str, sender_id: str) -> str:
    """Gmail Feedback-ID 'campaign:list:newsdesk:SenderId': no personal data, same for all."""
    if not _FEEDBACK_SENDER.match(sender_id):
        raise InvalidInput(f"feedback_sender_id {sender_id!r} must be 5-15 of [A-Za-z0-9._-]")
    return f"{campaign_id}:{list_id}:newsdesk:{sender_id}"


def list_unsubscribe_field(https_url: str, mailto_address: str) -> bytes:
    """List-Unsubscribe with the one-click URL first, folded between the URIs when long."""
    first = f"List-Unsubscribe: <{https_url}>,"
    second = f"<mailto:{mailto_address}?subject=unsubscribe>"
    sep = " " if len(first) + 1 + len(second) <= 78 else "\r\n "
    return f"{first}{sep}{second}\r\n".encode("ascii")


def list_unsubscribe_raw_value(https_url: str, mailto_address: str) -> str:
    """The same field's value as a pre-folded string (for the reference build's set_raw)."""
    field = list_unsubscribe_field(https_url, mailto_address).decode("ascii")
    return field[len("List-Unsubscribe: ") : -2].replace("\r\n", "\n")

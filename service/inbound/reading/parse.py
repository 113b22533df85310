"""Parse raw inbound bytes without ever raising on bad input: problems become a Quarantine."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Any

from service.errors import NewsdeskError

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_PART_CHARS = 2_000_000  # larger text parts are truncated for analysis, never for storage
_TAG_RE = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_BR_RE = re.compile(r"<\s*(br|/p|/div|/tr|/li)\b[^>]*>", re.I)


class Quarantine(NewsdeskError):
    """The message cannot be analysed safely; `reason` says why and the raw bytes are kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _MemoPolicy(email.policy.EmailPolicy):
    """policy.default with parsed header objects memoised by (name, raw value).

    Analysis asks every part for its Content-Type many times (walks for DSN blocks, ARF
    reports, text parts); policy.default re-parses the header on each `get`, which was over
    half of the classification time. Header objects are read-only, so sharing them is safe.
    """

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        """The cached header object for this raw value."""
        if hasattr(value, "name"):
            return value
        key = (name.lower(), value)
        parsed = _HEADER_MEMO.get(key)
        if parsed is None:
            if len(_HEADER_MEMO) > 20_000:  # bounded: a long-running worker must not grow
                _HEADER_MEMO.clear()
            parsed = _HEADER_MEMO[key] = super().header_fetch_parse(name, value)
        return parsed


_HEADER_MEMO: dict[tuple[str, str], Any] = {}
POLICY = _MemoPolicy()


def parse_message(raw: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> EmailMessage:
    """Parse raw RFC 5322 bytes (modern policy); refuse empty, oversized or non-mail input."""
    if not raw or not raw.strip():
        raise Quarantine("empty message")
    if len(raw) > max_bytes:
        raise Quarantine(f"message is {len(raw)} bytes, over the {max_bytes}-byte limit")
    try:
        msg = BytesParser(policy=POLICY).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything escaping it is corrupt input
        raise Quarantine(f"unparseable MIME: {type(exc).__name__}: {exc}") from exc
    if not isinstance(msg, EmailMessage) or not list(msg.keys()):
        raise Quarantine("no RFC 5322 header block found")
    return msg


def header(msg: Message, name: str) -> str:
    """One header as text; malformed headers yield their raw value or '' instead of an error."""
    try:
        value = msg.get(name)
    except Exception:  # a header that fails to parse under policy.default
        raws = (
            [v for k, v in msg.raw_items() if k.lower() == name.lower()]
            if hasattr(msg, "raw_items")
            else []
        )
        value = raws[0] if raws else None
    return "" if value is None else str(value)


def all_headers(msg: Message, name: str) -> list[str]:
    """Every occurrence of a header as text, robust like `header`."""
    try:
        return [str(v) for v in msg.get_all(name) or []]
    except Exception:
        return [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]


def part_text(part: Message) -> str:
    """Decoded text of a leaf part; unknown charsets and broken encodings degrade to replacement."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    if not isinstance(payload, bytes):
        return str(payload)
    charset = _charset(part)
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:  # unknown charset name: latin-1 never fails and keeps ASCII intact
        text = payload.decode("latin-1")
    return text[:MAX_PART_CHARS]


def _charset(part: Message) -> str:
    """The declared charset, or utf-8."""
    try:
        return str(part.get_content_charset() or "utf-8")
    except Exception:
        return "utf-8"


def html_to_text(html: str) -> str:
    """A crude but safe HTML-to-text: enough to read a reply or a bounce written in HTML."""
    import html as html_lib

    text = _BR_RE.sub("\n", html)
    text = _TAG_RE.sub("", text)
    return html_lib.unescape(text)


def body_text(msg: Message) -> str:
    """The human-readable body: the first text/plain part, else the first text/html as text."""
    plain = html = None
    for part in walk_safely(msg):
        ctype = part.get_content_type()
        if part.is_multipart() or _is_attachment(part):
            continue
        if ctype == "text/plain" and plain is None:
            plain = part_text(part)
        elif ctype == "text/html" and html is None:
            html = part_text(part)
    if plain is not None and plain.strip():
        return plain
    return html_to_text(html) if html else (plain or "")


def _is_attachment(part: Message) -> bool:
    """True for parts the sender attached rather than wrote."""
    try:
        return str(part.get_content_disposition() or "") == "attachment"
    except Exception:
        return False


def walk_safely(msg: Message, *, limit: int = 500, into_embedded: bool = True) -> list[Message]:
    """Parts depth-first up to `limit` (a MIME bomb cannot make us loop); optionally skip
    attached original messages (message/rfc822), whose text is ours, not the sender's."""
    parts: list[Message] = []
    stack: list[Message] = [msg]
    while stack and len(parts) < limit:
        part = stack.pop()
        parts.append(part)
        ctype = part.get_content_type()
        if ctype == "message/rfc822" and not into_embedded and part is not msg:
            continue
        if ctype == "message/delivery-status":
            continue  # its payload is header blocks, read by dsn_blocks()
        try:
            children = part.get_payload() if part.is_multipart() else []
        except Exception:
            children = []
        if isinstance(children, list):
            stack.extend(reversed([c for c in children if isinstance(c, Message)]))
    return parts


def dsn_blocks(msg: Message) -> list[Message]:
    """The per-message and per-recipient field blocks of every message/delivery-status part."""
    blocks: list[Message] = []
    for part in walk_safely(msg, into_embedded=False):
        if part.get_content_type() not in {
            "message/delivery-status",
            "message/global-delivery-status",
        }:
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            blocks.extend(b for b in payload if isinstance(b, Message))
        elif isinstance(payload, str):  # some MTAs send it unparsed; reparse the text blocks
            for chunk in re.split(r"\n\s*\n", payload):
                blocks.append(
                    email.message_from_string(chunk.strip() + "\n", policy=email.policy.default)
                )
    return blocks


def all_text(msg: Message, *, limit: int = 400_000) -> str:
    """The sender's own text (text/* and DSN fields, not the attached original) joined."""
    chunks: list[str] = []
    size = 0
    for part in walk_safely(msg, into_embedded=False):
        ctype = part.get_content_type()
        if part.is_multipart() or (_is_attachment(part) and ctype != "message/delivery-status"):
            continue
        broken_multipart = ctype.startswith("multipart/")  # no boundary found: text is the body
        if broken_multipart or (ctype.startswith("text/") and ctype != "text/rfc822-headers"):
            chunk = part_text(part)
            chunks.append(html_to_text(chunk) if ctype == "text/html" else chunk)
            size += len(chunks[-1])
            if size > limit:
                break
    for block in dsn_blocks(msg):
        chunks.append("\n".join(f"{k}: {v}" for k, v in block.raw_items()))
    return "\n".join(chunks)[:limit]

"""The visible text of a reply: what the person wrote, without quoted history or signature.

Each line gets a kind (empty, text, quote, quoted-mail marker, mail header, signature,
delimiter); the reply ends at the first marker of an embedded mail (or a block of header lines)
that follows some text, and at a `-- ` signature separator. A marker with a quote at the very
top followed by text is a bottom-posted reply: the text below counts. German and English first,
with the markers of the common clients in other European languages.
"""

from __future__ import annotations

import re

EMPTY, TEXT, QUOTE, MARKER, HEADER, SIG_CUT, SIG_LINE, DELIM = "etqbhSsd"

_WROTE = (
    r"wrote|writes|schrieb|schreibt|a écrit|escribió|ha scritto|scrisse|schreef|skrev|kirjoitti"
    r"|napisał\(a\)|napisał|napisala|pisze|пише|написал\(а\)|написал|написала|escreveu|geschreven|写道"
)
_MARKER_RES = [
    re.compile(
        r"^\s*\*?-{2,}\s*(?:original(?:e)? message|ursprüngliche nachricht|message d'origine"
        r"|mensaje original"
        r"|messaggio originale|oorspronkelijk bericht|ursprungligt meddelande|opprinnelig melding"
        r"|wiadomość oryginalna|исходное сообщение|forwarded message|weitergeleitete nachricht"
        r"|mensagem original|message transféré)\s*-{2,}\*?\s*$",
        re.I,
    ),
    re.compile(
        r"^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht"
        r"|début du message réexpédié)\s*:",
        re.I,
    ),
    re.compile(
        r"^[\s-]*\S(?=.*[@\d]).{0,400}\b(?:" + _WROTE + r")\b.{0,120}(?:[:：][\s-]*|\s+-{2,}\s*)$",
        re.I,
    ),
    re.compile(r"^\s*\S.{0,200}<[^<>\s]+@[^<>\s]+>\s*(?:" + _WROTE + r")\s*[:：]?\s*$", re.I),
    re.compile(
        r"^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b.{0,200}(?:<[^<>\s]+@[^<>\s]+>[:>]*|GMT[+-]\d{1,2}:?\d{2}\s+\S.*)\s*:?\s*$",
        re.I,
    ),
]
_JOIN_START_RE = re.compile(
    r"^\s*(?:On|Am|Le|El|Il|Op|Den|På|W dniu|Em|Dne|\d+)\b|^[^.!?]{0,100}<[^>]*$"
    r"|^[^.!?]{0,80}<\S+@\S+>",
    re.I,
)
_HEADER_RE = re.compile(
    r"^\s*\*?(?:from|sent|to|cc|bcc|subject|date|reply-to|von|gesendet|an|betreff|datum|kopie"
    r"|de|envoyé|à|objet|para|enviado|enviada|asunto|assunto|van|verzonden|aan|onderwerp"
    r"|od|wysłano|do|temat|da|data|inviato|oggetto|risposta|a|från|skickat|till|ämne|fra|sendt|til|emne"
    r"|от|отправлено|кому|тема|дата|发件人|收件人|主题|日期)\s*\*?\s*[:：]\*?\s*\S",
    re.I,
)
_MOBILE_SIG_RE = re.compile(
    r"^[\s(<]*(?:sent|envoyé|gesendet|enviado|inviato|verzonden|wysłane|skickat|sendt|отправлено)"
    r"\s+(?:from|with|via|by|depuis|von|desde|da|met|z|från|fra|с)\s+(?P<rest>.*)$"
    r"|^(?:von|vom)\s+mein(?:em)?\s+.{1,60}\s+gesendet\.?$|^get\s+\[?outlook\s+for"
    r"|^diese nachricht wurde von meinem .{1,80} gesendet\.?$|^from my \w+(?: \w+)?$"
    r"|^\w+ from (?:mobile|my phone)$|^<<.{1,40}>>$|^從我的.{1,20}傳送$",
    re.I,
)
_SIG_CUT_RE = re.compile(r"^(?:-- ?|--\s*)$")
# "-Ada Lovelace" after a blank line: a dash sign-off starts the signature (GitHub's parser
# treats a paragraph opening with "-<letter>" the same way); "- item" bullets have a space.
_DASH_SIGN_OFF_RE = re.compile(r"^-[^\W\d_][\w.' ]{0,38}$")
_DELIM_RE = re.compile(r"^\s*(?:[-_=*#~+.ᐧ—]{2,}|ᐧ|—|\*+)\s*$")
_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)|<https?://[^>]*>|https?://\S+")


def _is_marker(line: str) -> bool:
    """A line that introduces an embedded (quoted or forwarded) mail."""
    return len(line) < 600 and any(r.match(line) for r in _MARKER_RES)


def _kind(line: str) -> str:
    """The kind of one line."""
    stripped = line.strip()
    if not stripped:
        return EMPTY
    if _SIG_CUT_RE.match(line):
        return SIG_CUT
    if _is_mobile_signature(stripped):
        return SIG_LINE
    if _DELIM_RE.match(line):
        return DELIM
    if stripped.startswith(">"):
        return QUOTE
    if _is_marker(line):
        return MARKER
    if _HEADER_RE.match(line):
        return HEADER
    return TEXT


def _is_mobile_signature(line: str) -> bool:
    """'Sent from my iPhone' and friends, but not 'Sent from my desk, is much easier ...'."""
    match = _MOBILE_SIG_RE.match(line)
    if not match:
        return False
    rest = match.groupdict().get("rest")
    if rest is None:
        return True
    rest = _LINK_RE.sub(lambda m: m.group(1) or "", rest)
    rest = re.split(r"[.,;]\s*(?:please\s+)?(?:excuse|pardon|entschuldig)", rest, flags=re.I)[0]
    return "," not in rest and len(rest.strip(" .").split()) <= 6


def _join_wrapped_markers(lines: list[str]) -> list[str]:
    """An 'On <date>, <name> wrote:' wrapped over up to five lines becomes one line."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        span = _marker_span(lines, i)
        if span:
            parts = [lines[i]] + [re.sub(r"^[\s>]*", "", p) for p in lines[i + 1 : i + span]]
            out.append(" ".join(p.strip() for p in parts if p.strip()))
            i += span
        else:
            out.append(lines[i])
            i += 1
    return out


def _marker_span(lines: list[str], i: int) -> int:
    """How many lines (2-6) starting at i form one wrapped marker, 0 if none."""
    line = lines[i]
    if not line.strip() or line.lstrip().startswith(">") or not _JOIN_START_RE.search(line):
        return 0
    if len(line) > 300 or _is_marker(line):
        return 0
    parts = [line.strip()]
    for k in range(1, min(6, len(lines) - i)):
        parts.append(re.sub(r"^[\s>]*", "", lines[i + k]).strip())
        if _is_marker(" ".join(p for p in parts if p)):
            return k + 1
    return 0


def visible_text(body: str) -> str:
    """What the sender wrote: quoted history, embedded mails and signatures removed."""
    if not body or not body.strip():
        return ""
    lines = _join_wrapped_markers(re.sub(r"\r*\n|\r", "\n", body).split("\n"))
    kinds = [_kind(line) for line in lines]
    start = _start_index(kinds, lines)
    if start is None:
        return ""
    end = _cut_index(kinds, start, lines)
    kept = [
        (k, line)
        for k, line in zip(kinds[start:end], lines[start:end], strict=False)
        if k != SIG_LINE
    ]
    kept = [(EMPTY, "") if k in (MARKER, HEADER) else (k, line) for k, line in kept]
    while kept and kept[-1][0] in (EMPTY, DELIM):
        kept.pop()
    if any(k == TEXT for k, _ in kept):
        while kept and kept[-1][0] in (EMPTY, QUOTE, DELIM):
            kept.pop()
    return "\n".join(line for _, line in kept).strip("\n").rstrip()


def _start_index(kinds: list[str], lines: list[str]) -> int | None:
    """Skip a leading quoted or forwarded mail (marker/headers + quote) when text follows it."""
    first = next((i for i, k in enumerate(kinds) if k != EMPTY), None)
    if first is None:
        return None
    if (
        "t" not in "".join(kinds)
        and kinds[first] == QUOTE
        and _quoted_marker_only(kinds, lines, first)
    ):
        return None
    if kinds[first] in (MARKER, HEADER):
        i = first + 1
        while i < len(kinds) and (
            kinds[i] in (QUOTE, HEADER, EMPTY) or (kinds[i] == TEXT and _in_header_run(kinds, i))
        ):
            i += 1
        return i if TEXT in kinds[i:] else first
    return first


def _quoted_marker_only(kinds: list[str], lines: list[str], first: int) -> bool:
    """Nothing but quoted history: there is nothing the sender wrote."""
    return all(k in (QUOTE, EMPTY, SIG_LINE, DELIM) for k in kinds[first:]) and _is_marker(
        lines[first].lstrip("> ")
    )


def _in_header_run(kinds: list[str], i: int) -> bool:
    """A wrapped header value: a text line between header lines, before the blank line."""
    return (
        kinds[i - 1] in (HEADER, TEXT)
        and HEADER in kinds[i + 1 : i + 3]
        and EMPTY not in kinds[i : i + 1]
    )


def _cut_index(kinds: list[str], start: int, lines: list[str]) -> int:
    """Where the reply ends: a signature separator, or a marker/header block after text."""
    seen_text = False
    for i in range(start, len(kinds)):
        kind = kinds[i]
        if kind == SIG_CUT and seen_text:
            return i
        if kind == TEXT and seen_text and kinds[i - 1] == EMPTY and _dash_sign_off(lines[i]):
            return i
        if kind == MARKER and seen_text and not _interleaved(kinds[i + 1 :]):
            return i
        if kind == HEADER and seen_text and _header_block(kinds, i):
            return _back_to_delimiter(kinds, i)
        seen_text = seen_text or kind == TEXT
    return len(kinds)


def _dash_sign_off(line: str) -> bool:
    """'-Name' of at most four words closing the text."""
    return bool(_DASH_SIGN_OFF_RE.match(line.rstrip())) and len(line.split()) <= 4


def _interleaved(rest: list[str]) -> bool:
    """Inline answers: the quote after the marker is followed by more of the sender's text."""
    pattern = "".join(k for k in rest if k != EMPTY)
    pattern = pattern.split(SIG_CUT)[0]
    return bool(re.match(r"q+t", pattern))


def _header_block(kinds: list[str], start: int) -> bool:
    """At least three header lines close together (From/Sent/To/Subject ...)."""
    window = [k for k in kinds[start : start + 8] if k != EMPTY]
    return window[:2] == [HEADER, HEADER] or (
        window[:3].count(HEADER) >= 2 and window.count(HEADER) >= 3
    )


def _back_to_delimiter(kinds: list[str], i: int) -> int:
    """Include a delimiter line directly above the header block in the cut."""
    j = i
    while j > 0 and kinds[j - 1] in (EMPTY, DELIM):
        j -= 1
    return j if j < i else i

"""Phrase and status-code rules that decide what a bounce means (hard, soft, policy).

Hard means the address itself is dead (unknown user or domain, moved, accepts no mail): the
only case that suppresses at once. Full mailboxes, suspended accounts, expiries and 4.x.x are
soft; 5.7.x and 4.7.x, spam/reputation/authentication rejections are `policy`: the sender's
problem, never counted against the subscriber (STANDARDS A8/F2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HARD, SOFT = "hard", "soft"
RECIPIENT, MAILBOX, TRANSIENT, POLICY = "recipient", "mailbox", "transient", "policy"

ENHANCED_RE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")
SMTP_RE = re.compile(
    r"(?:^|said:|reply:|error:|code:?|response:|\(|\s)\s*([45][0-5]\d)(?=[\s-]+(?:[45]\.\d|[A-Za-z#<]))",
    re.M | re.I,
)

_RECIPIENT_RULE = (
    RECIPIENT,
    HARD,
    re.compile(
        r"user unknown|unknown user|no such (?:user|mailbox|recipient|account|address|person)"
        r"|(?:user|mailbox|address|account|recipient)(?: name)? (?:does not|doesn'?t|did not) exist"
        r"|does not exist|unknown (?:or illegal )?(?:recipient|address|mailbox|local[- ]?part"
        r"|alias)"
        r"|invalid (?:recipient|mailbox|address|user)|recipient (?:address )?(?:unknown|not found"
        r"|invalid)"
        r"|mailbox (?:not found|unavailable|is unavailable|does not exist)|not a valid (?:mailbox"
        r"|user|recipient)"
        r"|no mailbox|unrouteable address|addressee unknown|bad destination mailbox"
        r"|not our customer"
        r"|user not found|is not a known user|no such local user|not listed in (?:domino|our)"
        r"|account (?:does not exist|not found)|undeliverable address|recipient rejected"
        r"|host (?:or domain name )?(?:not found|unknown)|domain (?:not found|does not exist"
        r"|name not found)"
        r"|no such domain|unknown (?:host|domain)|name or service not known|nxdomain"
        r"|non-?existent (?:domain|host)"
        r"|has moved|no longer (?:valid|available|active|in use|exists)|address (?:has )?changed"
        r"|doesn'?t have an? \S+ account|does not have an? \S+ account|no mx record"
        r"|recipient address rejected: access denied|recipient name is not recognized"
        r"|does not accept (?:e-?)?mail|null mx|not accepting (?:any )?mail|no mail ?box"
        r"|no valid recipients"
        r"|invalid final delivery|bad_recipient|address not found|not listed in public name"
        r"|deactivated"
        r"|not an? active (?:address|user|mailbox)|not in my list of allowed rcpthosts"
        r"|isn't in my list of allowed"
        r"|name service error|domain (?:is )?not reachable|dns lookup fail|unable to resolve"
        r"|mx lookup fail",
        re.I,
    ),
)

_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    (
        POLICY,
        SOFT,
        re.compile(
            r"sender address rejected|sender verify failed|5\.1\.[78]\b|not authori[sz]ed to send"
            r"|relay(?:ing)? (?:denied|not permitted|prohibited)|we do not relay|unauthenticated",
            re.I,
        ),
    ),
    _RECIPIENT_RULE,
    (
        POLICY,
        SOFT,
        re.compile(
            r"\bspf\b|\bdkim\b|\bdmarc\b|reverse dns|ptr record|rdns|\bblack ?list|\bblock ?list"
            r"|dnsbl|spamhaus"
            r"|\bspam\b|reputation|blocked (?:by|using|because)|rate limit"
            r"|too many (?:connections|messages)"
            r"|content (?:rejected|filter)|virus|malware|message rejected due to"
            r"|policy (?:reasons|violation|rejection)"
            r"|unsolicited|rejected by .{0,30}filter|listed (?:at|in|on) |not rfc ?5322"
            r"|tls (?:is )?required",
            re.I,
        ),
    ),
    (
        MAILBOX,
        SOFT,
        re.compile(
            r"mailbox (?:is )?full|over (?:the )?quota|quota (?:exceeded|full)"
            r"|exceeded (?:storage|quota)"
            r"|insufficient (?:storage|disk)|mailbox size limit|storage (?:space|allocation)"
            r"|disk quota"
            r"|(?:mail ?box|account) (?:has )?exceeded|exceeds? (?:its|the) (?:size|quota|storage)"
            r"|disabled|suspended|inactive|deactivated|locked|temporarily unavailable|too large"
            r"|message size",
            re.I,
        ),
    ),
]
_HARD_CODES = {"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.4.4", "5.1.0"}
_AFTER_DATA_RE = re.compile(
    r"in\s+reply\s+to\s+end\s+of\s+data|after\s+(?:end\s+of\s+)?data\b|\bDATA\s+command", re.I
)
_VAGUE_CODES = {"5.7.1", "5.2.1", "5.2.0", "5.1.0", "5.5.0", "5.3.0", "5.4.1"}
_SMTP_HARD = {"550", "551", "553", "556"}


@dataclass(frozen=True)
class Diagnosis:
    """What the text and codes say about one failure."""

    bounce_type: str
    category: str
    status_code: str | None
    smtp_code: str | None


def first_enhanced(text: str) -> str | None:
    """The first enhanced status code (RFC 3463) in text."""
    match = ENHANCED_RE.search(text)
    return ".".join(match.groups()) if match else None


def first_smtp(text: str) -> str | None:
    """The first SMTP reply code that looks like one (followed by a status or words)."""
    match = SMTP_RE.search(text)
    return match.group(1) if match else None


def diagnose(
    text: str, status: str | None = None, *, delayed: bool = False, remote: str = ""
) -> Diagnosis:
    """Decide hard/soft and category from the remote server's reply (`remote`, e.g. a DSN
    Diagnostic-Code), the DSN Status, and the rest of the text."""
    text, remote = " ".join(text.split()), " ".join(remote.split())  # undo header folding
    status = last_specific(remote) or _specific(status) or first_enhanced(text) or status
    smtp = first_smtp(remote) or first_smtp(text)
    transient = (
        delayed or (status or "").startswith("4") or (not status and (smtp or "").startswith("4"))
    )
    category = _code_category(status)
    phrase = _phrase_category(remote or text) or _phrase_category(text)
    if category is None or category == TRANSIENT:
        category = phrase or category
    elif phrase == RECIPIENT and status in _VAGUE_CODES:
        category = RECIPIENT  # "550 5.7.1 No such user": the words are more precise than the code
    if category is None:
        category = RECIPIENT if smtp in _SMTP_HARD and not status else MAILBOX
    if category == RECIPIENT and _AFTER_DATA_RE.search(text):
        # A recipient refused only after seeing the content: a filter speaking, not a dead
        # address (sisimai's "filtered"); count it as soft rather than suppress at once.
        category = MAILBOX
    if transient and category != POLICY:
        return Diagnosis(SOFT, TRANSIENT if category == RECIPIENT else category, status, smtp)
    return Diagnosis(HARD if category == RECIPIENT else SOFT, category, status, smtp)


def last_specific(text: str) -> str | None:
    """The last enhanced code in a relayed reply: the innermost server's own verdict."""
    codes = [".".join(m.groups()) for m in ENHANCED_RE.finditer(text or "")]
    codes = [c for c in codes if not c.endswith(".0.0")]
    return codes[-1] if codes else None


def _specific(status: str | None) -> str | None:
    """A status that says more than its class (x.0.0 says only success/failure)."""
    if not status:
        return None
    code = first_enhanced(status)
    return code if code and not code.endswith(".0.0") else None


def _code_category(status: str | None) -> str | None:
    """The category an enhanced code implies on its own, None when it says too little."""
    if not status:
        return None
    cls, subject, _detail = status.split(".")
    if subject == "7" or status in {"5.1.7", "5.1.8", "4.1.7", "4.1.8"}:
        return POLICY
    if status in _HARD_CODES and status != "5.1.0":
        return RECIPIENT
    if subject == "2":
        return MAILBOX
    if cls == "4" and subject == "4":
        return TRANSIENT
    return None


def _phrase_category(text: str) -> str | None:
    """The first rule whose phrases occur in text."""
    for category, _, pattern in _RULES:
        if pattern.search(text):
            return category
    return None

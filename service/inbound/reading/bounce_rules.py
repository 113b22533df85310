"""Phrase and status-code rules that decide what a bounce means (hard, soft, policy).

Hard means the address itself is dead (unknown user or domain, moved, accepts no mail): the
only case that suppresses at once. Full mailboxes, suspended accounts, expiries and 4.x.x are
soft; 5.7.x and 4.7.x, spam/reputation/authentication rejections are `policy`: the sender's
problem, never counted against the subscriber (STANDARDS A8/F2). "Unknown user" is hard only
when the refusal answered RCPT TO, carries an x.1.x address code, or is the reporting system's
own directory verdict; the same words after DATA or at no stated stage are `filtered` (soft),
as sisimai decides (see smtp_stage.py and _not_dead()).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.inbound.reading.smtp_stage import DATA, RCPT, smtp_stage

HARD, SOFT = "hard", "soft"
RECIPIENT, MAILBOX, TRANSIENT, POLICY = "recipient", "mailbox", "transient", "policy"
FILTERED = "filtered"  # the recipient's filter refused this message; the address may be fine

ENHANCED_RE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")
SMTP_RE = re.compile(
    r"(?:^|said:|reply:|error:|code:?|response:|;|\(|\s)\s*([45][0-5]\d)(?=[\s-]+(?:[45]\.\d|[A-Za-z#<]))",
    re.M | re.I,
)

# Words that say the local part does not exist. On their own they prove less than they seem:
# many filters answer "550 Unknown user" to mail they refuse after DATA (see diagnose()).
USER_UNKNOWN_RE = re.compile(
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
    r"|doesn'?t have an? \S+ account|does not have an? \S+ account"
    r"|recipient address rejected: access denied|recipient name is not recognized"
    r"|no mail ?box|no valid recipients|invalid final delivery|bad_recipient|address not found"
    r"|not listed in public name|not an? active (?:address|user|mailbox)|user not exist"
    r"|badrcptto|rcpt <[^>]*> does not exist",
    re.I,
)
# Words that say the address as a whole is dead: no such domain, moved, accepts no mail.
DEAD_ADDRESS_RE = re.compile(
    r"host (?:or domain name )?(?:not found|unknown)|domain (?:not found|does not exist"
    r"|name not found)"
    r"|no such domain|unknown (?:host|domain)|name or service not known|nxdomain"
    r"|non-?existent (?:domain|host)"
    r"|has moved|no longer (?:valid|available|active|in use|exists)|address (?:has )?changed"
    r"|no mx record|does not accept (?:e-?)?mail|null mx|not accepting (?:any )?mail"
    r"|deactivated|not in my list of allowed rcpthosts|isn't in my list of allowed"
    r"|name service error|domain (?:is )?not reachable|dns lookup fail|unable to resolve"
    r"|mx lookup fail",
    re.I,
)
_RECIPIENT_RULE = (
    RECIPIENT,
    HARD,
    re.compile(f"{USER_UNKNOWN_RE.pattern}|{DEAD_ADDRESS_RE.pattern}", re.I),
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
            r"|insufficient (?:storage|disk)|not enough (?:disk )?space|mailbox size limit"
            r"|storage (?:space|allocation)"
            r"|disk quota"
            r"|(?:mail ?box|account) (?:has )?exceeded|exceeds? (?:its|the) (?:size|quota|storage)"
            r"|disabled|suspended|inactive|deactivated|locked|temporarily unavailable|too large"
            r"|message size",
            re.I,
        ),
    ),
]
_HARD_CODES = {"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.4.4", "5.1.0"}
# The recipient's own rules refused us; "550 : User unknown" with the address slot left empty is
# the answer filtering servers (au/KDDI's, among others) give after DATA.
_RECIPIENT_FILTER_RE = re.compile(
    r"refused due to recipient preferences|blocked by the recipient|user reject"
    r"|only accepting mail from specific|\b[45]\d\d:?\s+:\s*user unknown",
    re.I,
)
# Any SMTP reply code, also in the loose forms relays quote ("550 :", "550-'", "CODE :550").
_ANY_REPLY_RE = re.compile(r"(?<![\w.+-])[45][0-5]\d(?=[\s:'-])|code\s*:\s*[45][0-5]\d", re.I)
_QUOTA_RE = re.compile(_RULES[-1][2].pattern.split("|disabled|")[0], re.I)
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
    stage = smtp_stage(text)  # before unfolding: transcripts are line-based
    text, remote = " ".join(text.split()), " ".join(remote.split())  # undo header folding
    status = last_specific(remote) or _specific(status) or first_enhanced(text) or status
    smtp = first_smtp(remote) or first_smtp(text)
    transient = (
        delayed or (status or "").startswith("4") or (not status and (smtp or "").startswith("4"))
    )
    category = _code_category(status)
    # The remote reply's words first; the whole text only when they say nothing (and only once).
    phrase = (_phrase_category(remote) if remote else None) or _phrase_category(text)
    if category is None or category == TRANSIENT:
        category = phrase or category
    elif phrase == RECIPIENT and status in _VAGUE_CODES:
        category = RECIPIENT  # "550 5.7.1 No such user": the words are more precise than the code
    if category is None:
        category = RECIPIENT if smtp in _SMTP_HARD and not status else MAILBOX
    if category == RECIPIENT:
        category = _not_dead(text, remote, status, stage) or category
    if transient and category != POLICY:
        return Diagnosis(SOFT, TRANSIENT if category == RECIPIENT else category, status, smtp)
    return Diagnosis(HARD if category == RECIPIENT else SOFT, category, status, smtp)


def _not_dead(text: str, remote: str, status: str | None, stage: str | None) -> str | None:
    """The soft category for "unknown user" words that do not prove a dead address, else None.

    The address is proven dead by a refusal of RCPT TO, by an x.1.x address status, or by the
    reporting system's own directory (its own words, no SMTP reply). The same words relayed
    from a remote server after DATA, or at no stated stage, come from content or sender
    filters (Japanese carriers, filtering appliances): sisimai's "filtered", counted, not
    suppressed at once. A local delivery program's failure (x-unix) is the mail system's, and
    a quota complaint next to an x.1.1 code is a full mailbox (sisimai checks those first).
    """
    said = remote or text
    if remote.lower().startswith("x-unix"):
        return MAILBOX
    if DEAD_ADDRESS_RE.search(said):
        return None
    if _RECIPIENT_FILTER_RE.search(said):
        return FILTERED
    if _is_address_code(status):
        return MAILBOX if _QUOTA_RE.search(text) else None
    if stage == RCPT or not USER_UNKNOWN_RE.search(said):
        return None
    return FILTERED if stage == DATA or _ANY_REPLY_RE.search(said) else None


def _is_address_code(status: str | None) -> bool:
    """x.1.y codes about the destination address (x.1.7/8 are about the sender, x.1.9 relays)."""
    parts = (status or "").split(".")
    return len(parts) == 3 and parts[1] == "1" and parts[2] not in {"7", "8", "9"}


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

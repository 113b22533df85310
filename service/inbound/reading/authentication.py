"""Who really sent an inbound message: DKIM signatures verified with dkimpy, domains aligned.

Inbound addresses are public (every mail we send carries them), so anything that acts on a
sender's word (a feedback loop without the original, a coordinator's answer) must first know
the mail comes from that domain. `txt_lookup` is the DNS seam (dnspython via dkimpy; tests
publish their keys by replacing it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

import dkim
from dkim import dnsplug

log = logging.getLogger(__name__)
TxtLookup = Callable[..., bytes | None]


def _configured_txt(name: bytes | str, timeout: int = 5) -> bytes | None:
    """dkimpy's dnsfunc on NEWSDESK_DNS_NAMESERVERS when set, else dkimpy's own lookup."""
    from service.deliverability.resolver import DnsFailure, make_dns
    from service.settings import get_settings

    settings = get_settings()
    if not settings.dns_nameservers:
        return dnsplug.get_txt(name, timeout)  # type: ignore[no-any-return]
    qname = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    try:
        records = make_dns(settings).txt(qname)
    except DnsFailure:
        return None
    return records[0].encode() if records else None


txt_lookup: TxtLookup = _configured_txt
_MAX_SIGNATURES = 5  # each costs a DNS query and an RSA verify: a hostile mail may carry many
_SIG_HEADER = re.compile(rb"^dkim-signature:", re.I | re.M)


def verified_dkim_domains(raw: bytes) -> set[str]:
    """The d= domains of the DKIM signatures that verify on these exact bytes (lowercase)."""
    header_block = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    count = min(len(_SIG_HEADER.findall(header_block)), _MAX_SIGNATURES)
    found: set[str] = set()
    for idx in range(count):
        checker = dkim.DKIM(raw, minkey=1024, timeout=5)
        try:
            ok = checker.verify(idx=idx, dnsfunc=lambda name, timeout=5: txt_lookup(name, timeout))
        except Exception as exc:  # a malformed signature or DNS failure is simply no signature
            log.info("DKIM signature %s does not verify: %s", idx, exc)
            continue
        if ok and checker.domain:
            found.add(checker.domain.decode("ascii", "replace").lower().rstrip("."))
    return found


def aligned(domain: str, candidates: Iterable[str]) -> bool:
    """True when one candidate is `domain` or a parent/child of it (DMARC relaxed alignment)."""
    d = domain.lower().rstrip(".")
    return any(d == c or d.endswith("." + c) or c.endswith("." + d) for c in candidates)


def signed_by(raw: bytes, domains: Iterable[str]) -> str | None:
    """The first of `domains` that a verifying DKIM signature of this message aligns with."""
    wanted = [d.lower().rstrip(".") for d in domains if d]
    if not wanted:
        return None
    verified = verified_dkim_domains(raw)
    return next((w for w in wanted if aligned(w, verified)), None)


def domain_of(address: str) -> str:
    """The domain part of an address (lowercase; '' when there is none)."""
    return address.rpartition("@")[2].strip().strip(">").lower()

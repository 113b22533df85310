"""Our own SPF evaluation of an inbound envelope sender (issue 15: SPF was only believed from
a trusted Authentication-Results header).

check_host() for the SMTP client's address and the MAIL FROM domain, through the configured
resolver (service.deliverability). Only a pass for an envelope domain aligned with the
domain in question counts; every other result (fail, softfail, none, errors) counts nothing.
"""

from __future__ import annotations

import logging

from service.deliverability.resolver import make_dns
from service.deliverability.spf import SpfResult, check_host
from service.inbound.reading.authentication import aligned, domain_of

log = logging.getLogger(__name__)


def spf_for(*, envelope_from: str, client_ip: str | None, helo: str | None) -> SpfResult | None:
    """check_host for this client and envelope sender; None when there is nothing to check."""
    domain = domain_of(envelope_from)
    if not client_ip or not domain:
        return None  # IMAP, webhook, or a null sender: no SMTP client to judge
    try:
        result = check_host(make_dns(), ip=client_ip, domain=domain, sender=envelope_from,
                            helo=helo or "")  # fmt: skip
    except ValueError as exc:  # a client address that is no IP (a unix socket)
        log.info("SPF not evaluated for %s: %s", client_ip, exc)
        return None
    log.info("SPF %s for %s from %s: %s", result.result, domain, client_ip, result.reason)
    return result


def spf_pass_for(result: SpfResult | None, *, envelope_from: str, domain: str) -> bool:
    """A pass whose envelope domain aligns with `domain` (DMARC relaxed, as DKIM is judged)."""
    envelope_domain = domain_of(envelope_from)
    return (
        result is not None
        and result.result == "pass"
        and bool(envelope_domain)
        and aligned(envelope_domain, [domain])
    )

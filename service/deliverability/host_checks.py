"""A4: the EHLO name is the sending IP's forward-confirmed reverse DNS name (FCrDNS)."""

from __future__ import annotations

from service.deliverability.check import FAIL, PASS, Check
from service.deliverability.resolver import Dns, DnsFailure


def fcrdns_checks(dns: Dns, *, helo: str | None, ips: list[str]) -> list[Check]:
    """Per sending IP: PTR -> host, A/AAAA(host) holds the IP, EHLO name equals host."""
    if not helo:
        return [
            Check(
                "A4",
                "helo",
                FAIL,
                True,
                "no_helo",
                "NEWSDESK_SMTP_HELO_NAME is not set (EHLO would be the local host name)",
            )
        ]
    helo = helo.lower().rstrip(".")
    out = []
    for ip in ips:
        out.append(_one(dns, helo, ip))
    return out


def _one(dns: Dns, helo: str, ip: str) -> Check:
    """One address's PTR, the forward lookup of its name, and the EHLO name."""
    try:
        names = [n.lower() for n in dns.ptr(ip)]
        if not names:
            return Check(
                "A4",
                "fcrdns",
                FAIL,
                True,
                "no_ptr",
                f"{ip} has no PTR record",
                ip,
                publish=(_reverse(ip), "PTR", helo + "."),
            )
        confirmed = [n for n in names if ip in dns.addresses(n)]
        forward = dns.addresses(helo)
    except DnsFailure as exc:
        return Check("A4", "fcrdns", FAIL, True, "dns_error", str(exc), ip)
    found = ", ".join(names)
    if not confirmed:
        return Check(
            "A4",
            "fcrdns",
            FAIL,
            True,
            "ptr_not_confirmed",
            f"PTR {ip} -> {found}, but no A/AAAA record of that name holds {ip}",
            ip,
            found,
            (names[0], "A" if ":" not in ip else "AAAA", ip),
        )
    if helo not in confirmed:
        publish = None if ip in forward else (helo, "A" if ":" not in ip else "AAAA", ip)
        return Check(
            "A4",
            "fcrdns",
            FAIL,
            True,
            "helo_mismatch",
            f"PTR {ip} -> {found}, but EHLO says {helo}",
            ip,
            found,
            publish,
        )
    return Check(
        "A4", "fcrdns", PASS, True, "ok", f"PTR {ip} -> {helo} -> {ip}; EHLO {helo}", ip, found
    )


def _reverse(ip: str) -> str:
    import dns.reversename

    return dns.reversename.from_address(ip).to_text().rstrip(".")

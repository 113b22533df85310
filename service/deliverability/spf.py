"""SPF check_host() (RFC 7208) over our resolver: the preflight (A1) and inbound answers use it.

Our own evaluation rather than pyspf's: it runs on the same configurable resolver as the rest
of the preflight, and it reports the DNS-lookup count that the 10-lookup limit is about.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from service.deliverability.resolver import Dns, DnsFailure

LOOKUP_LIMIT = 10  # RFC 7208 §4.6.4: include, a, mx, ptr, exists, redirect
VOID_LIMIT = 2  # §4.6.4: lookups answering nothing
_QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
_MECHANISMS = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"}
_COUNTED = {"include", "a", "mx", "ptr", "exists"}
_MACRO = re.compile(r"%\{([slodiphcrtv])(\d*)(r?)([.\-+,/_=]*)\}|%%|%_|%-", re.I)
_TERM = re.compile(r"^([+\-~?]?)([a-z0-9]+)(?::([^/]*))?(?:/(\d+))?(?://(\d+))?$", re.I)


class PermError(Exception):
    """The record is broken (syntax, too many lookups): a permerror result."""


@dataclass(frozen=True)
class SpfResult:
    """check_host's answer, how many lookups it took, and why."""

    result: str  # pass, fail, softfail, neutral, none, permerror, temperror
    lookups: int
    reason: str


@dataclass
class _State:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    sender: str
    helo: str
    lookups: int = 0
    voids: int = 0
    seen: list[str] = field(default_factory=list)


def spf_record(dns: Dns, domain: str) -> str | None:
    """The one v=spf1 record of `domain`; None when there is none; PermError when two."""
    records = [t for t in dns.txt(domain) if re.match(r"^v=spf1(\s|$)", t, re.I)]
    if len(records) > 1:
        raise PermError(f"{domain} publishes {len(records)} SPF records (one allowed)")
    return records[0] if records else None


def check_host(dns: Dns, *, ip: str, domain: str, sender: str, helo: str = "") -> SpfResult:
    """RFC 7208 check_host(<ip>, <domain>, <sender>): the result for this client and sender."""
    state = _State(ipaddress.ip_address(ip), sender or f"postmaster@{domain}", helo)
    try:
        result, reason = _check(dns, state, domain.lower().rstrip("."))
    except PermError as exc:
        return SpfResult("permerror", state.lookups, str(exc))
    except DnsFailure as exc:
        return SpfResult("temperror", state.lookups, str(exc))
    return SpfResult(result, state.lookups, reason)


def _check(dns: Dns, st: _State, domain: str) -> tuple[str, str]:
    record = spf_record(dns, domain)
    if record is None:
        return "none", f"{domain} publishes no SPF record"
    redirect = None
    for term in record.split()[1:]:
        if "=" in term and ":" not in term.split("=", 1)[0]:
            name, _, value = term.partition("=")
            if name.lower() == "redirect":
                redirect = value
            continue  # exp= and unknown modifiers change no result
        qualifier, mech, arg, cidr4, cidr6 = _parse(term)
        if _matches(dns, st, domain, mech, arg, cidr4, cidr6):
            return _QUALIFIERS[qualifier or "+"], f"{term} in the SPF record of {domain}"
    if redirect is not None:
        target = _expand(redirect, st, domain)
        _count(st)
        result, reason = _check(dns, st, target)
        if result == "none":
            raise PermError(f"redirect={target} has no SPF record")
        return result, reason
    return "neutral", f"nothing in the SPF record of {domain} matched"


def _parse(term: str) -> tuple[str, str, str | None, int | None, int | None]:
    m = _TERM.match(term)
    if m is None or m.group(2).lower() not in _MECHANISMS:
        raise PermError(f"unknown SPF term {term!r}")
    c4, c6 = (int(m.group(4)) if m.group(4) else None, int(m.group(5)) if m.group(5) else None)
    return m.group(1), m.group(2).lower(), m.group(3), c4, c6


def _count(st: _State) -> None:
    st.lookups += 1
    if st.lookups > LOOKUP_LIMIT:
        raise PermError(f"more than {LOOKUP_LIMIT} DNS lookups")


def _void(st: _State, answers: list[str]) -> list[str]:
    if not answers:
        st.voids += 1
        if st.voids > VOID_LIMIT:
            raise PermError(f"more than {VOID_LIMIT} void lookups")
    return answers


def _matches(
    dns: Dns, st: _State, domain: str, mech: str, arg: str | None, c4: int | None, c6: int | None
) -> bool:
    if mech in _COUNTED:
        _count(st)
    target = _expand(arg, st, domain) if arg else domain
    if mech == "all":
        return True
    if mech in {"ip4", "ip6"}:
        if not arg:
            raise PermError(f"{mech} needs an address")
        return _in_net(st.ip, arg, c4, c4 if mech == "ip6" else None)  # ip6:x/64 is one cidr
    if mech == "a":
        return any(_in_net(st.ip, a, c4, c6) for a in _void(st, dns.addresses(target)))
    if mech == "mx":
        hosts = _void(st, dns.mx(target))[:10]
        return any(_in_net(st.ip, a, c4, c6) for h in hosts for a in dns.addresses(h))
    if mech == "exists":
        return bool(_void(st, [a for a in dns.addresses(target) if ":" not in a]))
    if mech == "ptr":  # discouraged (§5.5) but valid: a validated PTR name under target
        names = [n for n in dns.ptr(str(st.ip))[:10] if str(st.ip) in dns.addresses(n)]
        return any(n == target or n.endswith("." + target) for n in names)
    result, _ = _check(dns, st, target)  # include
    if result in {"none", "permerror"}:
        raise PermError(f"include:{target} has no valid SPF record")
    return result == "pass"


def _in_net(ip: ipaddress._BaseAddress, addr: str, c4: int | None, c6: int | None = None) -> bool:
    """Is `ip` in addr/cidr (the IPv4 or IPv6 prefix length, by the address's family)?"""
    try:
        base = ipaddress.ip_address(addr.strip())
    except ValueError as exc:
        raise PermError(f"bad address {addr!r} in SPF") from exc
    if base.version != ip.version:
        return False
    prefix = c4 if base.version == 4 else c6
    net = ipaddress.ip_network(
        f"{base}/{prefix if prefix is not None else base.max_prefixlen}", strict=False
    )
    return ip in net


def _expand(spec: str, st: _State, domain: str) -> str:
    """Macro expansion (RFC 7208 §7) of a domain-spec."""
    local, _, sender_domain = st.sender.rpartition("@")

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in {"%%", "%_", "%-"}:
            return {"%%": "%", "%_": " ", "%-": "%20"}[token]
        letter, digits, reverse, delims = m.groups()
        value = {
            "s": st.sender,
            "l": local or "postmaster",
            "o": sender_domain,
            "d": domain,
            "i": _dotted(st.ip),
            "p": "unknown",
            "v": "in-addr" if st.ip.version == 4 else "ip6",
            "h": st.helo or domain,
            "c": str(st.ip),
            "r": "unknown",
            "t": "0",
        }[letter.lower()]
        parts = re.split("[" + re.escape(delims or ".") + "]", value)
        if reverse:
            parts.reverse()
        if digits:
            parts = parts[-int(digits) :] if int(digits) else parts
        return ".".join(parts)

    return _MACRO.sub(one, spec).lower().rstrip(".")


def _dotted(ip: ipaddress._BaseAddress) -> str:
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", ""))


def count_lookups(dns: Dns, domain: str, _depth: int = 0) -> int:
    """Lookups the whole record tree costs at worst (every include and redirect followed)."""
    record = spf_record(dns, domain)
    if record is None or _depth > LOOKUP_LIMIT:
        return 0
    total = 0
    for term in record.split()[1:]:
        name, _, value = term.lstrip("+-~?").partition(":")
        if term.lower().startswith("redirect="):
            total += 1 + count_lookups(dns, term.split("=", 1)[1], _depth + 1)
        elif name.lower() in _COUNTED:
            total += 1
            if name.lower() == "include" and value and "%" not in value:
                total += count_lookups(dns, value, _depth + 1)
    return total

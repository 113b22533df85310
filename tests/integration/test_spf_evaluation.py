"""STANDARDS A1: our check_host() (RFC 7208) over dnspython against a loopback DNS server:
redirect, mx, a with a prefix, exists with macros, the lookup and void-lookup limits."""

from __future__ import annotations

from collections.abc import Iterator

import dns.resolver
import pytest

from service.deliverability.resolver import Dns
from service.deliverability.spf import check_host, count_lookups
from tests.support.dns_zone import Zone, dns_server


@pytest.fixture
def zone() -> Iterator[tuple[Zone, Dns]]:
    served = Zone()
    with dns_server(served) as port:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port, resolver.lifetime = ["127.0.0.1"], port, 2.0
        yield served, Dns(resolver)


def _result(d: Dns, ip: str, domain: str = "x.example", sender: str = "a@x.example") -> str:
    return check_host(d, ip=ip, domain=domain, sender=sender, helo="mail.x.example").result


def test_A1_redirect_mx_and_a_with_prefix(zone: tuple[Zone, Dns]) -> None:
    z, d = zone
    z.add("x.example", "TXT", "v=spf1 redirect=_spf.x.example")
    z.add("_spf.x.example", "TXT", "v=spf1 mx a:out.x.example/28 ~all")
    z.add("_spf.x.example", "MX", "mx1.x.example.")
    z.add("mx1.x.example", "A", "198.51.100.7")
    z.add("out.x.example", "A", "203.0.113.1")
    assert _result(d, "198.51.100.7") == "pass"  # the MX host
    assert _result(d, "203.0.113.14") == "pass"  # inside out.x.example/28
    assert _result(d, "203.0.113.17") == "softfail"
    assert count_lookups(d, "x.example") == 3  # redirect, mx, a


def test_A1_exists_with_macros_and_neutral_without_all(zone: tuple[Zone, Dns]) -> None:
    z, d = zone
    z.add("x.example", "TXT", "v=spf1 exists:%{ir}.%{l}._spf.x.example")
    z.add("9.113.0.203.a._spf.x.example", "A", "127.0.0.2")
    assert _result(d, "203.0.113.9") == "pass"
    assert _result(d, "203.0.113.8") == "neutral"


def test_A1_limits_and_broken_records_are_permerrors(zone: tuple[Zone, Dns]) -> None:
    z, d = zone
    z.add("x.example", "TXT", "v=spf1 " + " ".join(f"a:h{i}.x.example" for i in range(11)))
    for i in range(11):
        z.add(f"h{i}.x.example", "A", f"192.0.2.{i + 1}")
    assert _result(d, "203.0.113.1") == "permerror"  # the 11th lookup
    z.add("two.example", "TXT", "v=spf1 -all").add("two.example", "TXT", "v=spf1 +all")
    assert _result(d, "203.0.113.1", "two.example", "a@two.example") == "permerror"
    z.add("void.example", "TXT", "v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example")
    assert _result(d, "203.0.113.1", "void.example", "a@void.example") == "permerror"
    assert _result(d, "203.0.113.1", "none.example", "a@none.example") == "none"
    z.add("inc.example", "TXT", "v=spf1 include:none.example -all")
    assert _result(d, "203.0.113.1", "inc.example", "a@inc.example") == "permerror"

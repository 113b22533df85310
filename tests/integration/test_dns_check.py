"""`newsdesk dns check` against a real authoritative DNS server on loopback (STANDARDS A1-A4).

The server (dnslib) serves a zone each test edits: the good zone passes every MUST and exits 0;
each breakage fails its row, names the record to publish, and exits 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.deliverability.preflight import must_failures, run_checks
from service.mail.dkim_keys import generate_keypair
from service.settings import get_settings, reset_settings
from tests.support.dns_world import (
    BOUNCE_DOMAIN,
    FROM_DOMAIN,
    HELO,
    IP4,
    IP6,
    dkim_key,
    dns_env,
    good_zone,
)
from tests.support.dns_zone import Zone, dns_server


@pytest.fixture
def world(configured: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Zone, dict]]:
    """The good zone served on loopback, and the settings pointing at it (env and process)."""
    key, record = dkim_key(configured)
    zone = good_zone(record)
    with dns_server(zone) as port:
        env = dns_env(port, key)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_settings()
        yield zone, env
    reset_settings()


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real `newsdesk` command in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "dns", "check", *args],
        env={**os.environ, **env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _by_key(checks: list, key: str, subject: str | None = None) -> object:
    return next(c for c in checks if c.key == key and (subject is None or c.subject == subject))


def test_A1_A3_A4_good_zone_passes_every_must_and_exits_0(world: tuple[Zone, dict]) -> None:
    zone, env = world
    done = _cli(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all MUST checks pass" in done.stdout
    rows = json.loads(_cli(env, "--json").stdout)
    assert {(r["row"], r["key"], r["status"]) for r in rows} >= {
        ("A1", "spf-record", "pass"),
        ("A1", "spf-ip", "pass"),
        ("A1", "spf-lookups", "pass"),
        ("A2", "dkim-record", "pass"),
        ("A3", "dmarc-record", "pass"),
        ("A3", "alignment", "pass"),
        ("A4", "fcrdns", "pass"),
    }
    assert {r["subject"] for r in rows if r["key"] == "fcrdns"} == {IP4, IP6}
    assert (f"_dmarc.{FROM_DOMAIN}", "TXT") in zone.queries  # it really asked our server


def test_A1_missing_spf_fails_exits_1_and_prints_the_record_to_publish(
    world: tuple[Zone, dict],
) -> None:
    zone, env = world
    zone.remove(BOUNCE_DOMAIN, "TXT")
    done = _cli(env)
    assert done.returncode == 1, done.stdout
    out = " ".join(done.stdout.split())
    assert f'{BOUNCE_DOMAIN}. IN TXT "v=spf1 ip4:{IP4} ip6:{IP6} -all"' in out
    assert "MUST check(s) failed" in out


def test_A1_relay_ip_not_allowed_fails_with_the_ip_added(world: tuple[Zone, dict]) -> None:
    zone, _ = world
    zone.remove("_spf.partnership.example.org", "TXT")
    zone.add("_spf.partnership.example.org", "TXT", "v=spf1 ip4:198.51.100.0/24 ~all")
    checks = run_checks(get_settings())
    bad = _by_key(checks, "spf-ip", IP4)
    assert bad.status == "fail" and bad.extra["result"] == "fail"  # type: ignore[attr-defined]
    assert f"ip4:{IP4} -all" in bad.publish_line  # type: ignore[attr-defined]
    assert _by_key(checks, "spf-ip", IP6).status == "fail"  # type: ignore[attr-defined]
    assert must_failures(checks)


def test_A1_more_than_ten_lookups_fails(world: tuple[Zone, dict]) -> None:
    zone, _ = world
    zone.remove(BOUNCE_DOMAIN, "TXT")
    includes = " ".join(f"include:s{i}.example.net" for i in range(11))
    zone.add(BOUNCE_DOMAIN, "TXT", f"v=spf1 ip4:{IP4} ip6:{IP6} {includes} -all")
    for i in range(11):
        zone.add(f"s{i}.example.net", "TXT", "v=spf1 -all")
    checks = run_checks(get_settings())
    assert _by_key(checks, "spf-ip", IP4).status == "pass"  # type: ignore[attr-defined]
    lookups = _by_key(checks, "spf-lookups")
    assert lookups.status == "fail" and lookups.extra["lookups"] == "11"  # type: ignore[attr-defined]


def test_A2_dkim_record_with_another_key_fails_and_shows_ours(world: tuple[Zone, dict]) -> None:
    zone, _ = world
    name = f"nd2026._domainkey.{FROM_DOMAIN}"
    zone.remove(name, "TXT")
    _, other = generate_keypair()  # somebody else's key
    zone.add(name, "TXT", other)
    check = _by_key(run_checks(get_settings()), "dkim-record")
    assert check.status == "fail" and check.reason == "mismatch"  # type: ignore[attr-defined]
    ours = get_settings().dkim_private_key_path
    assert ours is not None and check.publish[0] == name  # type: ignore[attr-defined]
    assert check.publish[2] != other  # type: ignore[attr-defined]


def test_A3_missing_dmarc_fails_and_prints_a_p_none_record(world: tuple[Zone, dict]) -> None:
    zone, env = world
    zone.remove(f"_dmarc.{FROM_DOMAIN}", "TXT")
    done = _cli(env)
    assert done.returncode == 1
    assert f'_dmarc.{FROM_DOMAIN}. IN TXT "v=DMARC1; p=none;' in " ".join(done.stdout.split())


def test_A3_org_domain_dmarc_counts_and_bad_policy_fails(world: tuple[Zone, dict]) -> None:
    zone, _ = world
    zone.remove(f"_dmarc.{FROM_DOMAIN}", "TXT")
    zone.add("_dmarc.example.org", "TXT", "v=DMARC1; p=reject; sp=none")  # organisational domain
    checks = run_checks(get_settings())
    found = _by_key(checks, "dmarc-record")
    assert found.status == "pass" and found.extra["policy"] == "none"  # type: ignore[attr-defined]
    assert _by_key(checks, "dmarc-rua").status == "warn"  # SHOULD: no exit 1 for it alone
    assert not must_failures(checks)
    zone.remove("_dmarc.example.org", "TXT")
    zone.add("_dmarc.example.org", "TXT", "v=DMARC1; p=monitor")
    assert _by_key(run_checks(get_settings()), "dmarc-record").reason == "bad_policy"  # type: ignore[attr-defined]


def test_A3_unaligned_settings_fail_alignment_even_with_all_records(
    world: tuple[Zone, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    zone, _ = world
    monkeypatch.setenv("NEWSDESK_FROM_ADDRESS", "news@partnership-mail.example.com")
    reset_settings()
    zone.add("_dmarc.partnership-mail.example.com", "TXT", "v=DMARC1; p=none; rua=mailto:r@x.org")
    check = _by_key(run_checks(get_settings()), "alignment")
    assert check.status == "fail" and check.reason == "not_aligned"  # type: ignore[attr-defined]


def test_A4_missing_ptr_and_wrong_helo_fail(
    world: tuple[Zone, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    zone, _ = world
    zone.remove("10.2.0.192.in-addr.arpa", "PTR")
    checks = run_checks(get_settings())
    v4 = _by_key(checks, "fcrdns", IP4)
    assert v4.status == "fail" and v4.reason == "no_ptr"  # type: ignore[attr-defined]
    assert v4.publish_line == f"10.2.0.192.in-addr.arpa. IN PTR {HELO}."  # type: ignore[attr-defined]
    assert _by_key(checks, "fcrdns", IP6).status == "pass"  # type: ignore[attr-defined]
    monkeypatch.setenv("NEWSDESK_SMTP_HELO_NAME", "localhost")
    reset_settings()
    assert _by_key(run_checks(get_settings()), "fcrdns", IP6).reason == "helo_mismatch"  # type: ignore[attr-defined]


def test_A4_ptr_name_without_forward_record_is_not_confirmed(world: tuple[Zone, dict]) -> None:
    zone, _ = world
    zone.remove(HELO, "A")
    check = _by_key(run_checks(get_settings()), "fcrdns", IP4)
    assert check.status == "fail" and check.reason == "ptr_not_confirmed"  # type: ignore[attr-defined]

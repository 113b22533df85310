"""A1 (SPF of the Return-Path domain), A2 (the DKIM key in DNS), A3 (DMARC and alignment)."""

from __future__ import annotations

from service.deliverability import records
from service.deliverability.alignment import Identities, is_aligned, organisational_domain
from service.deliverability.check import FAIL, PASS, WARN, Check
from service.deliverability.resolver import Dns, DnsFailure
from service.deliverability.spf import (
    LOOKUP_LIMIT,
    PermError,
    check_host,
    count_lookups,
    spf_record,
)
from service.mail.overview import DkimStatus


def spf_checks(dns: Dns, ids: Identities, ips: list[str]) -> list[Check]:
    """The record exists, allows every sending IP for our VERP sender, within 10 lookups."""
    domain = ids.return_path_domain
    try:
        record = spf_record(dns, domain)
    except (PermError, DnsFailure) as exc:
        return [Check("A1", "spf-record", FAIL, True, "dns_error", str(exc), domain)]
    if record is None:
        new = (domain, "TXT", records.spf_value(ips))
        return [
            Check(
                "A1",
                "spf-record",
                FAIL,
                True,
                "missing",
                f"{domain} publishes no SPF record",
                domain,
                publish=new,
            )
        ]
    out = [Check("A1", "spf-record", PASS, True, "ok", f"{domain}: {record}", domain, record)]
    sender = f"bounces@{domain}"
    for ip in ips:
        result = check_host(dns, ip=ip, domain=domain, sender=sender, helo=ids.helo or "")
        ok = result.result == "pass"
        publish = None if ok else (domain, "TXT", records.spf_value([ip], record))
        out.append(
            Check(
                "A1",
                "spf-ip",
                PASS if ok else FAIL,
                True,
                "ok" if ok else "not_allowed",
                f"SPF for {ip} sending as {sender}: {result.result} ({result.reason})",
                ip,
                record,
                publish,
                {"result": result.result},
            )
        )
    try:
        lookups = count_lookups(dns, domain)
    except (PermError, DnsFailure) as exc:
        return [*out, Check("A1", "spf-lookups", FAIL, True, "dns_error", str(exc), domain)]
    ok = lookups <= LOOKUP_LIMIT
    out.append(
        Check(
            "A1",
            "spf-lookups",
            PASS if ok else FAIL,
            True,
            "ok" if ok else "too_many_lookups",
            f"the SPF record of {domain} costs {lookups} DNS lookups (at most {LOOKUP_LIMIT})",
            domain,
            str(lookups),
            extra={"lookups": str(lookups)},
        )
    )
    return out


def dkim_check(dns: Dns, status: DkimStatus) -> Check:
    """The selector's TXT record carries exactly our public key."""
    name = status.name
    if status.record is None:
        return Check(
            "A2",
            "dkim-record",
            FAIL,
            True,
            "no_key",
            f"no DKIM key is loaded ({status.problem}); run `newsdesk dkim keygen`",
            name,
        )
    publish = (name, "TXT", status.record)
    try:
        found = [t for t in dns.txt(name) if "p=" in t]
    except DnsFailure as exc:
        return Check("A2", "dkim-record", FAIL, True, "dns_error", str(exc), name)
    if not found:
        return Check(
            "A2",
            "dkim-record",
            FAIL,
            True,
            "missing",
            f"{name} has no DKIM key record",
            name,
            publish=publish,
        )
    ours = records.dkim_tags(status.record)["p"]
    if any(records.dkim_tags(t).get("p") == ours for t in found):
        return Check(
            "A2", "dkim-record", PASS, True, "ok", f"{name} publishes our key", name, found[0]
        )
    return Check(
        "A2",
        "dkim-record",
        FAIL,
        True,
        "mismatch",
        f"{name} publishes a different key than ours",
        name,
        found[0],
        publish,
    )


def dmarc_checks(dns: Dns, ids: Identities, *, spf_pass: bool, dkim_pass: bool) -> list[Check]:
    """A DMARC policy of p=none or stronger, rua= for reports, and one aligned identity."""
    publish = (f"_dmarc.{ids.from_domain}", "TXT", records.dmarc_value(ids))
    tags: dict[str, str] = {}
    found = where = ""
    try:
        for name in records.dmarc_names(ids.from_domain):
            hits = [t for t in dns.txt(name) if t.lower().startswith("v=dmarc1")]
            if hits:
                found, where, tags = hits[0], name, records.dmarc_tags(hits[0])
                break
    except DnsFailure as exc:
        return [Check("A3", "dmarc-record", FAIL, True, "dns_error", str(exc), publish[0])]
    subdomain = bool(where) and where != f"_dmarc.{ids.from_domain}"
    policy = (tags.get("sp") if subdomain else None) or tags.get("p", "")
    if not found:
        out = [
            Check(
                "A3",
                "dmarc-record",
                FAIL,
                True,
                "missing",
                f"no DMARC record at {' or '.join(records.dmarc_names(ids.from_domain))}",
                publish[0],
                publish=publish,
            )
        ]
    elif policy.lower() not in {"none", "quarantine", "reject"}:
        out = [
            Check(
                "A3",
                "dmarc-record",
                FAIL,
                True,
                "bad_policy",
                f"{where}: policy {policy!r} is not none, quarantine or reject",
                where,
                found,
                publish,
            )
        ]
    else:
        out = [
            Check(
                "A3",
                "dmarc-record",
                PASS,
                True,
                "ok",
                f"{where}: p={policy}",
                where,
                found,
                extra={"policy": policy},
            )
        ]
        rua = "rua" in tags
        out.append(
            Check(
                "A3",
                "dmarc-rua",
                PASS if rua else WARN,
                False,
                "ok" if rua else "no_rua",
                f"{where}: aggregate reports {'to ' + tags['rua'] if rua else 'not requested'}",
                where,
                found,
            )
        )
    out.append(alignment_check(ids, tags, spf_pass=spf_pass, dkim_pass=dkim_pass))
    return out


def alignment_check(
    ids: Identities, tags: dict[str, str], *, spf_pass: bool, dkim_pass: bool
) -> Check:
    """DKIM d= or the SPF-checked Return-Path aligned with From, and that identity passing."""
    dkim_aligned = is_aligned(ids.from_domain, ids.dkim_domain, strict=tags.get("adkim") == "s")
    spf_aligned = is_aligned(
        ids.from_domain, ids.return_path_domain, strict=tags.get("aspf") == "s"
    )
    holding = [
        n
        for n, a, p in (("DKIM", dkim_aligned, dkim_pass), ("SPF", spf_aligned, spf_pass))
        if a and p
    ]
    org = organisational_domain(ids.from_domain)
    detail = (
        f"From {ids.from_domain} (organisational {org}); DKIM d={ids.dkim_domain} "
        f"{'aligned' if dkim_aligned else 'not aligned'}; Return-Path {ids.return_path_domain} "
        f"{'aligned' if spf_aligned else 'not aligned'}"
    )
    if holding:
        return Check(
            "A3",
            "alignment",
            PASS,
            True,
            "ok",
            detail + f"; passing and aligned: {', '.join(holding)}",
            ids.from_domain,
            extra={"via": ", ".join(holding)},
        )
    reason = "not_aligned" if not (dkim_aligned or spf_aligned) else "aligned_not_passing"
    return Check("A3", "alignment", FAIL, True, reason, detail, ids.from_domain)

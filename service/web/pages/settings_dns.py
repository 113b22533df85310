"""Settings (admin): the DNS authentication checks of `newsdesk dns check` (A1-A4), run here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from service.deliverability.alignment import identities
from service.deliverability.preflight import must_failures, run_checks, sending_ips
from service.deliverability.resolver import make_dns
from service.models import User
from service.settings import get_settings
from service.web.deps import CurrentLogin, require
from service.web.templating import N_, render

router = APIRouter(prefix="/settings")
Admin = Annotated[User, Depends(require("settings.view"))]

TITLES = {
    "spf-record": N_("SPF record of the Return-Path domain"),
    "spf-ip": N_("SPF allows the sending address"),
    "spf-lookups": N_("SPF stays within 10 DNS lookups"),
    "dkim-record": N_("DKIM key published"),
    "dmarc-record": N_("DMARC policy published"),
    "dmarc-rua": N_("DMARC aggregate reports requested"),
    "alignment": N_("From aligned with DKIM or SPF"),
    "helo": N_("EHLO name set"),
    "fcrdns": N_("Reverse DNS confirms the EHLO name"),
}
REASONS = {
    "ok": N_("In order."),
    "missing": N_("The record is missing."),
    "dns_error": N_("DNS gave no answer; try again later."),
    "not_allowed": N_("The record does not allow this address."),
    "too_many_lookups": N_("The record needs more than 10 DNS lookups."),
    "no_key": N_("No DKIM key is loaded."),
    "mismatch": N_("The published key is not ours."),
    "bad_policy": N_("The policy is not none, quarantine or reject."),
    "no_rua": N_("No address for aggregate reports (rua=)."),
    "not_aligned": N_(
        "Neither DKIM d= nor the Return-Path domain shares the organisational domain of From."
    ),
    "aligned_not_passing": N_("An aligned identity exists, but its check does not pass."),
    "no_helo": N_("NEWSDESK_SMTP_HELO_NAME is not set."),
    "no_ptr": N_("The address has no PTR record."),
    "ptr_not_confirmed": N_("The PTR name does not resolve back to the address."),
    "helo_mismatch": N_("The EHLO name is not the PTR name."),
}
STATUSES = {"pass": N_("Passes"), "fail": N_("Fails"), "warn": N_("Warning")}


@router.get("/dns", response_class=HTMLResponse)
def dns_checks(request: Request, login: CurrentLogin, _admin: Admin, run: str = "") -> Response:
    """The identities our mail carries; with ?run=1, every check against DNS (server-side)."""
    settings = get_settings()
    dns = make_dns(settings)
    checks = run_checks(settings, dns) if run else None
    return render(
        request,
        "settings/dns.html",
        login=login,
        ids=identities(settings),
        ips=sending_ips(settings, dns) if run else settings.sending_ips,
        checks=checks,
        failures=must_failures(checks) if checks is not None else [],
        titles=TITLES,
        reasons=REASONS,
        statuses=STATUSES,
    )

"""Settings, DNS tab (admin), in Chromium: the checks of `newsdesk dns check` run server-side
against the session's loopback DNS zone (A1, A3, A4), in English and German, with axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import Account, Newsroom
from tests.support.dns_zone import Zone

BOUNCE = "bounces.news.partnership.example.org"
FROM = "news.partnership.example.org"


def _row(page: Any, key: str) -> str:
    return str(page.locator(f'#dns-checks tr[data-key="{key}"]').first.inner_text())


def test_A1_A3_A4_admin_sees_the_dns_checks_and_the_records_to_publish(
    page: Any,
    newsroom: Newsroom,
    newsroom_dns: tuple[Zone, int],
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any],
) -> None:
    zone, _ = newsroom_dns
    zone.remove(BOUNCE, "TXT")
    zone.remove(f"_dmarc.{FROM}", "TXT")
    zone.add(BOUNCE, "TXT", "v=spf1 ip4:127.0.0.1 -all")  # the relay's address: A1 holds
    log_in(page, make_user("admin"))
    page.goto(newsroom.url("/newsroom/settings/system"))
    page.get_by_role("link", name="DNS authentication").click()
    assert page.get_by_text("Not checked yet.").is_visible()
    page.get_by_role("button", name="Check DNS now").click()
    summary = page.get_by_role("status").inner_text()
    assert "required checks fail" in summary
    assert "Passes" in _row(page, "spf-record") and "Passes" in _row(page, "spf-ip")
    assert "Fails" in _row(page, "dmarc-record") and "The record is missing." in _row(
        page, "dmarc-record"
    )
    assert "NEWSDESK_SMTP_HELO_NAME is not set." in _row(page, "helo")  # A4
    publish = page.locator("#dns-publish").inner_text()
    assert f'_dmarc.{FROM}. IN TXT "v=DMARC1; p=none;' in publish
    axe_check(page)

    zone.add(f"_dmarc.{FROM}", "TXT", "v=DMARC1; p=reject; rua=mailto:r@partnership.example.org")
    page.reload()
    assert "Passes" in _row(page, "dmarc-record")  # the page asks DNS again, no cache


def test_dns_checks_in_german_and_refused_to_an_editor(
    page: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any],
) -> None:
    log_in(page, make_user("admin", language="de"))
    page.goto(newsroom.url("/newsroom/settings/dns?run=1"))
    assert page.get_by_role("heading", name="DNS-Authentifizierung").is_visible()
    assert page.get_by_role("columnheader", name="Ergebnis").is_visible()
    assert "Pflicht" in _row(page, "spf-record")
    axe_check(page)
    editor = page.context.browser.new_context().new_page()
    log_in(editor, make_user("editor"))
    response = editor.goto(newsroom.url("/newsroom/settings/dns?run=1"))
    assert response.status == 403
    editor.context.close()

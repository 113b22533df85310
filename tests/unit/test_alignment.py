"""STANDARDS A3: DMARC relaxed alignment on the Public Suffix List, and the production warning
when the settings alone make alignment impossible (logged loudly, never a refusal)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from service.deliverability.alignment import is_aligned, organisational_domain
from service.deliverability.startup import warn_about_alignment
from service.settings import Settings


def test_A3_relaxed_alignment_on_organisational_domains() -> None:
    assert organisational_domain("news.partnership.example.org") == "example.org"
    assert organisational_domain("a.b.uni.ac.uk") == "uni.ac.uk"  # a two-label public suffix
    assert is_aligned("news.x.org", "x.org")
    assert is_aligned("bounces.news.x.org", "news.x.org")
    assert not is_aligned("x.org", "esp.com")
    assert not is_aligned("a.github.io", "b.github.io")  # private suffixes count too
    assert not is_aligned("news.x.org", "x.org", strict=True)


def _production(tmp_path: Path, **values: str) -> Settings:
    key = tmp_path / "dkim.pem"
    key.write_text("key")
    return Settings(env="production", secret_key="s" * 40, public_url="https://news.example.org",
                    dkim_private_key_path=key, admin_token="t" * 20,
                    allow_unpatched_python=True, **values)  # type: ignore[arg-type]  # fmt: skip


def test_A3_production_start_up_warns_loudly_when_nothing_can_align(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = _production(tmp_path, from_address="news@partnership-mail.example.com")
    with caplog.at_level(logging.WARNING, logger="newsdesk.deliverability"):
        lines = warn_about_alignment(bad)
    assert len(lines) == 1 and "aligns with neither" in lines[0]
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and "NEWSDESK_DKIM_DOMAIN" in record.getMessage()
    assert bad.env == "production"  # started, not refused


def test_A3_spf_only_alignment_is_a_warning_and_aligned_settings_are_quiet(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="newsdesk.deliverability"):
        assert warn_about_alignment(_production(tmp_path)) == []  # the defaults align
        fragile = warn_about_alignment(_production(tmp_path, dkim_domain="esp-mail.example.net"))
        quiet = warn_about_alignment(Settings(from_address="n@other.example.com"))  # development
    assert len(fragile) == 1 and "SPF alone" in fragile[0]
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert quiet == []

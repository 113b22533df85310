"""STANDARDS A2: in production no process starts that would send unsigned mail."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service.mail.dkim_keys import write_demo_key
from service.settings import Settings

SECRET = "s" * 40


def _production(**overrides: object) -> Settings:
    fields: dict[str, object] = {
        "env": "production", "secret_key": SECRET, "public_url": "https://news.example.org",
        "admin_token": "t" * 20, "allow_unpatched_python": True,  # the interpreter is not the test
    }  # fmt: skip
    return Settings(**(fields | overrides))  # type: ignore[arg-type]


def test_A2_production_refuses_to_start_without_a_dkim_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="NEWSDESK_DKIM_PRIVATE_KEY_PATH is not set"):
        _production(dkim_private_key_path=None)
    with pytest.raises(ValidationError, match="missing or unreadable"):
        _production(dkim_private_key_path=tmp_path / "absent.pem")
    key, _record = write_demo_key(tmp_path, selector="nd2026", domain="news.example.org")
    assert _production(dkim_private_key_path=key).dkim_private_key_path == key

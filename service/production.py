"""What NEWSDESK_ENV=production insists on before any process starts (explicit, never guessed).

Below service.settings in the layers: it reads the Settings object it is handed (duck-typed).
"""

from __future__ import annotations

import ipaddress
import os
import sys
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit


def production_problems(settings: Any, placeholder_secret: str) -> list[str]:
    """Every reason this configuration must not run in production (empty: fine)."""
    problems = []
    if settings.secret_key == placeholder_secret or len(settings.secret_key) < 32:
        problems.append("NEWSDESK_SECRET_KEY is the demo placeholder or shorter than 32 chars")
    problems += _public_url_problems(settings.public_url)
    key = settings.dkim_private_key_path
    if key is None:
        problems.append("NEWSDESK_DKIM_PRIVATE_KEY_PATH is not set (mail would go unsigned)")
    elif not os.access(key, os.R_OK):
        problems.append(
            f"DKIM key {key} is missing or unreadable (create one with `newsdesk dkim keygen` "
            "outside production mode, then mount it read-only)"
        )
    if not settings.admin_token or len(settings.admin_token) < 16:
        problems.append("NEWSDESK_ADMIN_TOKEN is not set (or shorter than 16 chars)")
    if not getattr(settings, "allow_unpatched_python", False) and not header_folding_fixed():
        problems.append(
            f"this Python ({sys.version.split()[0]}, {sys.executable}) folds an encoded-word "
            "newline into a raw line break (CVE-2024-6923, header injection): run on a patched "
            "interpreter, or set NEWSDESK_ALLOW_UNPATCHED_PYTHON=1 to accept the risk"
        )
    return problems


@lru_cache(maxsize=1)
def header_folding_fixed() -> bool:
    """Does email's generator keep an encoded newline out of the header (gh-121650)?

    By behaviour, not version: Debian backports the fix to 3.11.2, pyenv's 3.11.7 lacks it.
    Unpatched runtimes decode '=?UTF-8?Q?=0A?=' while folding and emit a bare LF.
    """
    from email import policy
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = "=?UTF-8?Q?=0A?=Bcc: x@evil.example"
    try:
        raw = msg.as_bytes(policy=policy.SMTP)
    except Exception:  # patched runtimes may refuse the header outright: also safe
        return True
    return b"\n" not in raw.replace(b"\r\n", b"") and b"\nBcc:" not in raw


def _public_url_problems(url: str) -> list[str]:
    """https:// with a DNS name: Gmail's one-click rule and every link in mail depend on it."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return [f"NEWSDESK_PUBLIC_URL must be https:// in production, got {url!r}"]
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return [] if "." in host else [f"NEWSDESK_PUBLIC_URL needs a DNS name, got {host!r}"]
    return [f"NEWSDESK_PUBLIC_URL must name a host, not the bare IP {host}"]

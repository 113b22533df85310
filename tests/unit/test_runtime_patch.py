"""Issue 14, item 8 (STANDARDS C4): the CVE-2024-6923 fix is detected by behaviour, and
production refuses an interpreter without it unless NEWSDESK_ALLOW_UNPATCHED_PYTHON=1."""

from __future__ import annotations

import os
import subprocess
import sys
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import ValidationError

from service import production
from service.production import header_folding_fixed
from service.settings import Settings

DEBIAN, PYENV = Path("/usr/bin/python3.11"), Path("/root/.pyenv/versions/3.11.7/bin/python3")
PROBE = "import sys; sys.path.insert(0, sys.argv[1]); " \
        "from service.production import header_folding_fixed as f; print(f())"  # fmt: skip


def _emits_bare_newline() -> bool:
    """What this runtime really does with an encoded-word newline in a header."""
    msg = EmailMessage()
    msg["Subject"] = "=?UTF-8?Q?=0A?=Bcc: x@evil.example"
    try:
        raw = msg.as_bytes(policy=policy.SMTP)
    except Exception:
        return False
    return b"\nBcc:" in raw


def test_C4_detection_matches_what_this_runtime_emits() -> None:
    assert header_folding_fixed() is not _emits_bare_newline()


def test_C4_debian_python_is_patched_and_pyenv_3_11_7_is_not() -> None:
    """The same check in other interpreters on this box (stdlib only, no venv needed)."""
    root = str(Path(__file__).resolve().parents[2])
    seen = {}
    for python in (DEBIAN, PYENV):
        if python.exists():
            out = subprocess.run([str(python), "-c", PROBE, root], capture_output=True, text=True,
                                 timeout=30, check=True)  # fmt: skip
            seen[python] = out.stdout.strip()
    assert seen.get(DEBIAN, "True") == "True" and seen.get(PYENV, "False") == "False", seen


def _production(tmp_path: Path, **extra: object) -> Settings:
    key = tmp_path / "dkim.pem"
    key.write_text("key")
    return Settings(env="production", secret_key="s" * 40, public_url="https://news.example.org",
                    dkim_private_key_path=key, admin_token="t" * 20, **extra)  # type: ignore[arg-type]  # fmt: skip


def test_C4_production_refuses_an_unpatched_python_unless_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(production, "header_folding_fixed", lambda: False)
    with pytest.raises(ValidationError, match="CVE-2024-6923"):
        _production(tmp_path)
    assert _production(tmp_path, allow_unpatched_python=True).env == "production"
    monkeypatch.setattr(production, "header_folding_fixed", lambda: True)
    assert _production(tmp_path).env == "production"


def test_C4_the_cli_refuses_this_interpreter_in_production_exactly_when_unpatched(
    tmp_path: Path,
) -> None:
    key = tmp_path / "dkim.pem"
    key.write_text("key")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_ENV="production", NEWSDESK_SECRET_KEY="s" * 40,
               NEWSDESK_PUBLIC_URL="https://news.example.org", NEWSDESK_ADMIN_TOKEN="t" * 20,
               NEWSDESK_DKIM_PRIVATE_KEY_PATH=str(key),
               NEWSDESK_DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")  # fmt: skip
    run = [sys.executable, "-m", "service.cli", "dkim", "--help"]
    plain = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    refused = "CVE-2024-6923" in plain.stdout + plain.stderr
    assert refused is (not header_folding_fixed()), plain.stdout + plain.stderr
    assert (plain.returncode == 1) is refused
    env["NEWSDESK_ALLOW_UNPATCHED_PYTHON"] = "1"
    allowed = subprocess.run(run, env=env, cwd=tmp_path, capture_output=True, text=True,
                             timeout=60)  # fmt: skip
    assert allowed.returncode == 0 and "CVE-2024-6923" not in allowed.stdout, allowed.stdout

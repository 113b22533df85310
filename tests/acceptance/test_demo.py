"""The README's quick start on the installed wheel: `newsdesk demo` serves the demo's data, and
`newsdesk api` after `demo --no-serve` reads the same database; every kind of link in a captured
demo mail works against it (view online, preferences, unsubscribe page and one-click, tracking)."""

from __future__ import annotations

import mailbox
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from tests.acceptance.installed import Installed
from tests.acceptance.stack import free_port, wait_for

pytestmark = pytest.mark.slow
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def _env(installed: Installed) -> dict[str, str]:
    """An operator's shell: no NEWSDESK_* settings, the venv's bin on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    return {**env, "PATH": f"{installed.venv / 'bin'}:{env.get('PATH', '')}"}


@contextmanager
def _running(command: list[str], cwd: Path, env: dict[str, str], port: int) -> Iterator[None]:
    """Start a serving command, wait until it answers, Ctrl-C it afterwards (must exit 0)."""
    log = cwd / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: _answers(port, process, log), 240, f"{command[1:3]} to serve")
            yield
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=30)
    assert code == 0, log.read_text()


def _answers(port: int, process: subprocess.Popen[bytes], log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _a_mail(maildir: Path) -> EmailMessage:
    """One captured newsletter with its tracked links."""
    for raw in mailbox.Maildir(str(maildir), create=False):
        msg = message_from_bytes(bytes(raw), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        html = msg.get_body(("html",))
        if html is not None and "/t/c/" in str(html.get_content()):  # type: ignore[attr-defined]
            return msg
    raise AssertionError("no captured demo mail with tracked links")


def _follow_every_kind_of_link(msg: EmailMessage, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    html = str(msg.get_body(("html",)).get_content())  # type: ignore[union-attr]
    links = set(re.findall(r'(?:href|src)="(http://127\.0\.0\.1:\d+/[^"]+)"', html))
    assert links and all(u.startswith(base) for u in links), links
    kinds = {kind: sorted(u for u in links if f"/{kind}/" in u) for kind in ("w", "p", "u")}
    kinds["pixel"] = sorted(u for u in links if "/t/o/" in u)
    kinds["click"] = sorted(u for u in links if "/t/c/" in u)
    assert all(kinds.values()), {k: len(v) for k, v in kinds.items()}
    with httpx.Client(headers={"User-Agent": BROWSER}, timeout=30) as client:
        for kind in ("w", "p", "u", "pixel"):
            response = client.get(kinds[kind][0].replace("&amp;", "&"))
            assert response.status_code == 200, (kind, response.status_code, response.text[:300])
        clicked = client.get(kinds["click"][0].replace("&amp;", "&"))
        assert clicked.status_code == 302, clicked.text[:300]
        one_click = re.search(r"<(http://[^>]+)>", str(msg["List-Unsubscribe"]))
        assert one_click, msg["List-Unsubscribe"]
        done = client.post(one_click.group(1), data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200, done.text[:300]


LOGIN_LINE = re.compile(r"^login: (\w+) (\S+@\S+) (\S+)$", re.M)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _log_in_as_every_printed_account(output: str, port: int) -> None:
    """The demo prints one `login: <role> <email> <password>` per role; each one works."""
    accounts = LOGIN_LINE.findall(output)
    roles = {"admin", "editor", "approver", "coordinator", "viewer"}
    assert {role for role, _e, _p in accounts} == roles, output[-2000:]
    base = f"http://127.0.0.1:{port}"
    for role, email, password in accounts:
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/", follow_redirects=True).url.path == "/newsroom/login"
            token = CSRF.search(client.get("/newsroom/login").text).group(1)  # type: ignore[union-attr]
            form = {"email": email, "password": password, "csrf_token": token}
            dashboard = client.post("/newsroom/login", data=form, follow_redirects=True)
            assert dashboard.status_code == 200 and dashboard.url.path == "/newsroom/", role
            assert "/newsroom/static/vendor/htmx.min.js" in dashboard.text
            assert client.get("/newsroom/static/vendor/htmx.min.js").status_code == 200
            settings = client.get("/newsroom/settings/users")
            assert settings.status_code == (200 if role == "admin" else 403), role


def test_demo_keeps_serving_its_data_and_every_mail_link_works(
    installed: Installed, workdir: Path
) -> None:
    port = free_port()
    command = [installed.newsdesk, "demo", "--subscribers", "30", "--port", str(port)]
    with _running(command, workdir, _env(installed), port):
        _follow_every_kind_of_link(_a_mail(workdir / "var/demo/maildir"), port)
        _log_in_as_every_printed_account((workdir / "serve.log").read_text(), port)


def test_api_after_demo_no_serve_reads_the_demo_database(
    installed: Installed, workdir: Path
) -> None:
    env, port = _env(installed), free_port()
    demo = subprocess.run(
        [installed.newsdesk, "demo", "--no-serve", "--subscribers", "30", "--port", str(port)],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout + demo.stderr
    command = [installed.newsdesk, "api", "--port", str(port)]
    with _running(command, workdir, env, port):
        _follow_every_kind_of_link(_a_mail(workdir / "var/demo/maildir"), port)
        _log_in_as_every_printed_account(demo.stdout, port)

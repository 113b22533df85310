"""Vendored htmx: the pinned 2.x file is what the README names, and it is package data."""

from __future__ import annotations

import hashlib
import re
import tomllib
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_vendored_htmx_is_the_pinned_2x_release() -> None:
    vendor = resources.files("service.web") / "static" / "vendor"
    body = (vendor / "htmx.min.js").read_bytes()
    readme = (vendor / "README.md").read_text()
    row = re.search(r"\| htmx\.min\.js \|.*\| (2\.\d+\.\d+) \|.*\| ([0-9a-f]{64}) \|", readme)
    assert row, "vendor/README.md names version and sha256"
    assert hashlib.sha256(body).hexdigest() == row.group(2)
    assert f'version:"{row.group(1)}"' in body.decode()
    assert (vendor / "htmx.LICENSE").read_text().startswith("Zero-Clause BSD")


def test_static_files_and_catalogs_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["service.web"]
    package = ROOT / "service" / "web"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    for needed in (
        "static/newsroom.css",
        "static/vendor/htmx.min.js",
        "locale/de/LC_MESSAGES/messages.po",
        "locale/en/LC_MESSAGES/messages.po",
    ):
        assert package / needed in shipped, needed

"""The vendored caniemail data: which email clients support which HTML/CSS feature."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "caniemail.json"
# Clients we must not break (STANDARDS E2): family -> platforms, None meaning every platform.
TARGET_CLIENTS: dict[str, frozenset[str] | None] = {
    "gmail": None,
    "outlook": frozenset({"windows", "outlook-com"}),
    "apple-mail": None,
    "yahoo": None,
    "gmx": None,
    "web-de": None,
    "t-online-de": None,
}


@dataclass(frozen=True)
class Feature:
    """One caniemail feature with the latest support value per client.platform."""

    slug: str
    title: str
    url: str
    latest: dict[str, str]  # "outlook.windows" -> "n" / "y" / "a #1" / "u"

    def unsupported_in_targets(self) -> tuple[str, ...]:
        """Target clients whose latest tested version does not support the feature at all."""
        return tuple(
            client
            for client, value in sorted(self.latest.items())
            if is_target(client) and value.split(" ", 1)[0] == "n"
        )


def is_target(client: str) -> bool:
    """True for a 'family.platform' key among the clients we test for."""
    family, _, platform = client.partition(".")
    if family not in TARGET_CLIENTS:
        return False
    platforms = TARGET_CLIENTS[family]
    return platforms is None or platform in platforms


def _latest(stats: dict[str, dict[str, dict[str, str]]]) -> dict[str, str]:
    """Last listed version per client.platform; caniemail lists versions oldest first."""
    latest = {}
    for family, platforms in stats.items():
        for platform, versions in platforms.items():
            if versions:
                latest[f"{family}.{platform}"] = str(list(versions.values())[-1])
    return latest


@lru_cache(maxsize=1)
def load_features() -> dict[str, Feature]:
    """All features of the vendored data by slug (parsed once per process)."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {
        item["slug"]: Feature(
            slug=item["slug"],
            title=item.get("title", item["slug"]),
            url=item.get("url", ""),
            latest=_latest(item.get("stats") or {}),
        )
        for item in raw["data"]
    }

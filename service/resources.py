"""Where shipped files live: inside the installed package, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"  # filled by setup.py when a wheel is built
CHECKOUT_DIR = PACKAGE_DIR.parent


def shipped(name: str) -> Path:
    """`templates`, `migrations` or `alembic.ini`: the wheel's copy, else the checkout's."""
    inside = SHIPPED_DIR / name
    return inside if inside.exists() else CHECKOUT_DIR / name


def templates_dir() -> Path:
    """The top of the Jinja2 templates (email/, mail/, web/)."""
    return shipped("templates")

"""Branding the admins edit in the newsroom: overrides stored in the database over the settings.

Settings stay the defaults; the one brand_override row holds only the fields an admin changed
(an emptied field falls back to the setting). Saving is versioned (a stale form is refused) and
audit-logged with the changed fields. brand_for() merges both for editions and public pages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from service.accounts.errors import N_, FormProblem
from service.audit import record
from service.media.library import get_asset
from service.models import BrandOverride
from service.models._common import utcnow
from service.versioning import bump, ensure_current

LANGS = ("de", "en")
PER_LANGUAGE = ("masthead", "logo_alt", "privacy_url", "imprint_url", "contact_url")
FIELDS = (*(f"{f}_{lang}" for f in PER_LANGUAGE for lang in LANGS), "primary", "accent", "logo")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_TEXT = 200


def current(session: Session) -> BrandOverride:
    """The override row (an empty, unsaved one before the first save)."""
    return session.get(BrandOverride, 1) or BrandOverride(id=1, values={})


def overrides(session: Session) -> dict[str, Any]:
    """The changed fields only."""
    row = session.get(BrandOverride, 1)
    return dict(row.values) if row is not None else {}


def _check(session: Session, values: dict[str, str]) -> dict[str, Any]:
    """Field errors as msgids, or the non-empty values to store."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    clean: dict[str, Any] = {}
    for name in FIELDS:
        value = (values.get(name) or "").strip()
        if not value:
            continue
        if len(value) > MAX_TEXT or any(c in value for c in "\r\n\x00"):
            errors[name] = (N_("Use one line of at most %(n)s characters."), {"n": MAX_TEXT})
        elif name in ("primary", "accent") and not COLOUR.match(value):
            errors[name] = (N_("Enter a colour like #0b3d6b."), {})
        elif name.endswith("_url") and urlsplit(value).scheme not in ("https", "http"):
            errors[name] = (N_("Enter a web address starting with https://."), {})
        elif name == "logo":
            if not value.isdigit():
                errors[name] = (N_("Choose an image from the media library."), {})
            else:
                asset = get_asset(session, asset_id=int(value))
                clean[name], clean["logo_key"] = int(value), asset.storage_key
                continue
        clean[name] = value
    if errors:
        raise FormProblem(errors)
    return clean


def save(
    session: Session, *, values: dict[str, str], version: int | None, actor_id: int | None
) -> BrandOverride:
    """Store the admin's brand fields (the caller commits)."""
    row = current(session)
    ensure_current(session, row=row, expected=version, kind="brand")
    clean = _check(session, values)
    before = dict(row.values)
    changed = sorted(k for k in set(before) | set(clean) if before.get(k) != clean.get(k))
    row.values, row.updated_at = clean, utcnow()
    bump(row, actor_id=actor_id)
    session.add(row)
    record(
        session, actor_id=actor_id, action="brand.update", object_type="brand", object_id=1,
        changed=changed,
    )  # fmt: skip
    return row

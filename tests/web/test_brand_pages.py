"""Branding and the media library over HTTP to the real app: admins upload images (checked by
their bytes), pick the logo, set masthead, colours and footer links; the next preview and the
public pages show them; editors are refused; a stale form is refused; every save is audited."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from service.content.preview import preview_announcement
from service.models import AuditEvent, MediaAsset
from tests.support.images import HTML_AS_PNG, PHP_AS_PNG, SVG, WEBP, bomb_png, png
from tests.web.newsroom_client import Person, person

MASTHEAD_DE = "Gemeinsam forschen: München & Chicago"
ESCAPED = MASTHEAD_DE.replace("&", "&amp;")  # as HTML shows it


def _upload(who: Person, name: str, data: bytes, kind: str = "image/png"):  # type: ignore[no-untyped-def]
    return who.post("/newsroom/settings/media", {}, files={"file": (name, data, kind)})


def test_media_upload_checks_bytes_and_serves_from_our_host(session: Session) -> None:
    admin, editor = person(session, "admin"), person(session, "editor")
    logo = png(160, 48)
    assert _upload(editor, "logo.png", logo).status_code == 403
    assert editor.client.get("/newsroom/settings/media").status_code == 403
    for name, data, why in [
        ("shell.png", PHP_AS_PNG, "not a PNG, JPEG or GIF"),
        ("page.png", HTML_AS_PNG, "not a PNG, JPEG or GIF"),
        ("logo.svg", SVG, "not a PNG, JPEG or GIF"),
        ("logo.webp", WEBP, "WebP"),
        ("bomb.png", bomb_png(), "50000 x 50000"),
        ("huge.png", logo + b"\0" * (2 * 1024 * 1024), "larger than 2048 KB"),
    ]:
        refused = _upload(admin, name, data)
        assert refused.status_code == 422 and why in refused.text, name
    assert session.exec(select(MediaAsset)).all() == []
    too_big = _upload(admin, "giant.png", b"\0" * (5 * 1024 * 1024))
    assert too_big.status_code == 413  # the body guard stops it before it is read
    stored = _upload(admin, "../../etc/Logo.png", logo)
    assert stored.status_code == 303, stored.text
    asset = session.exec(select(MediaAsset)).one()
    assert (asset.filename, asset.content_type, asset.width, asset.height) == (
        "Logo.png", "image/png", 160, 48,
    )  # fmt: skip
    served = admin.client.get(f"/media/{asset.id}/{asset.storage_key}")
    assert served.status_code == 200 and served.content == logo
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert admin.client.get(f"/media/{asset.id}/../secret.png").status_code == 404
    assert admin.client.get(f"/media/{asset.id}/{'0' * 32}.png").status_code == 404
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "media.upload")).all()
    assert len(events) == 1


def test_brand_overrides_reach_preview_and_public_pages(session: Session) -> None:
    admin, editor = person(session, "admin"), person(session, "editor")
    assert _upload(admin, "logo.png", png(120, 40)).status_code == 303
    asset = session.exec(select(MediaAsset)).one()
    form = admin.client.get("/newsroom/settings/brand").text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None and version.group(1) == "0"
    values = {
        "version": "0", "masthead_de": MASTHEAD_DE, "logo_alt_de": "Unser Logo",
        "primary": "#7a1f3d", "accent": "#1f7a3d", "logo": str(asset.id),
        "imprint_url_de": "https://partnership.example.org/de/impressum-neu",
    }  # fmt: skip
    assert editor.post("/newsroom/settings/brand", values).status_code == 403
    bad = admin.post("/newsroom/settings/brand", {**values, "primary": "red"})
    assert bad.status_code == 422 and "#0b3d6b" in bad.text and ESCAPED in bad.text
    saved = admin.post("/newsroom/settings/brand", values)
    assert saved.status_code == 303, saved.text
    stale = admin.post("/newsroom/settings/brand", {**values, "masthead_de": "Alt"})
    assert stale.status_code == 409 and "Someone else changed this meanwhile" in stale.text

    preview = preview_announcement(
        session, fields={"title_de": "Neues Stipendium", "title_en": "New grant"},
        segment_slugs=[], segment_slug=None, language="de",
    )  # fmt: skip
    logo_url = f"/media/{asset.id}/{asset.storage_key}"
    assert ESCAPED in preview.html
    assert "#7a1f3d" in preview.html and logo_url in preview.html and "Unser Logo" in preview.html
    signup = admin.client.get("/subscribe?lang=de").text
    assert ESCAPED in signup and "#7a1f3d" in signup
    assert logo_url in signup and "impressum-neu" in signup
    english = admin.client.get("/subscribe?lang=en").text
    assert "Munich–Chicago Partnership" in english and "#7a1f3d" in english  # default masthead
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "brand.update")).one()
    assert "masthead_de" in audit.detail["changed"] and "logo" in audit.detail["changed"]

"""The media library rows: upload (checked, stored, audit-logged), list, read, public URL."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePath

from sqlmodel import Session, col, select

from service.audit import record
from service.errors import NotFound
from service.media.images import SUFFIX, inspect
from service.media.storage import media_store
from service.models import MediaAsset
from service.settings import Settings, get_settings


def upload(session: Session, *, filename: str, data: bytes, actor_id: int | None) -> MediaAsset:
    """Check the bytes, store them under a fresh key, add the row (the caller commits)."""
    settings = get_settings()
    info = inspect(data, max_bytes=settings.media_max_bytes, max_pixels=settings.media_max_pixels)
    key = uuid.uuid4().hex + SUFFIX[info.content_type]
    name = PurePath(filename.replace("\\", "/")).name[:255] or key
    media_store(settings).put(key, data)
    asset = MediaAsset(
        filename=name, content_type=info.content_type, width=info.width, height=info.height,
        size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
        uploaded_by_id=actor_id,
    )  # fmt: skip
    session.add(asset)
    session.flush()
    assert asset.id is not None
    record(
        session, actor_id=actor_id, action="media.upload", object_type="media_asset",
        object_id=asset.id, filename=name, content_type=info.content_type, bytes=len(data),
    )  # fmt: skip
    return asset


def assets(session: Session, *, limit: int = 200) -> list[MediaAsset]:
    """The newest uploads first."""
    query = select(MediaAsset).order_by(col(MediaAsset.id).desc()).limit(limit)
    return list(session.exec(query))


def get_asset(session: Session, *, asset_id: int) -> MediaAsset:
    """One asset or NotFound."""
    asset = session.get(MediaAsset, asset_id)
    if asset is None:
        raise NotFound(f"media {asset_id} does not exist")
    return asset


def asset_bytes(asset: MediaAsset) -> bytes:
    """The stored bytes of an asset."""
    return media_store(get_settings()).read(asset.storage_key)


def public_url(settings: Settings, asset_id: int, storage_key: str) -> str:
    """Where mail and public pages load the image: our own host."""
    return f"{settings.public_url.rstrip('/')}/media/{asset_id}/{storage_key}"

"""Public media: the library's images served from our own host (logos in mail and pages)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from service.api.deps import SessionDep
from service.errors import NotFound
from service.media.library import asset_bytes, get_asset

router = APIRouter(tags=["public"])
HEADERS = {
    "X-Content-Type-Options": "nosniff",  # the type we checked, never one a browser guesses
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",  # a key is never reused
}


@router.get("/media/{asset_id}/{key}", include_in_schema=False)
def media_file(session: SessionDep, asset_id: int, key: str) -> Response:
    """The stored bytes with the content type their check found; unknown ids or keys: 404."""
    asset = get_asset(session, asset_id=asset_id)
    if asset.storage_key != key:
        raise NotFound(f"media {asset_id} has no file {key!r}")
    return Response(asset_bytes(asset), media_type=asset.content_type, headers=HEADERS)

"""Where media bytes live: a small interface, and the local-disk backend (settings.media_dir).

An S3-compatible backend would implement the same three methods; it is not built, because
nothing on the build box speaks S3 to test it against (settings.media_storage accepts 'local').
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from service.errors import NotFound
from service.settings import Settings

KEY = re.compile(r"^[0-9a-f]{32}\.(png|jpg|gif)$")  # our own names only: no path from a user


class MediaStore(Protocol):
    """Put, read and remove the bytes of one stored file by its key."""

    def put(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class LocalDiskStore:
    """Files under one folder, written atomically (a reader never sees half a file)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise NotFound(f"no media file {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        """Write the file (temporary name, then rename)."""
        path = self._path(key)
        self.root.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)

    def read(self, key: str) -> bytes:
        """The bytes, or NotFound."""
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"no media file {key!r}")
        return path.read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file when it exists."""
        self._path(key).unlink(missing_ok=True)


def media_store(settings: Settings) -> MediaStore:
    """The backend the settings choose."""
    return LocalDiskStore(settings.media_dir.resolve())

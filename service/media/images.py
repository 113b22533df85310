"""What an uploaded file really is, read from its bytes: PNG, JPEG or GIF, and its pixel size.

Only these three are accepted (STANDARDS E9: no WebP, no SVG in mail). The dimensions come from
the format's header (PNG IHDR with its CRC, GIF's logical screen, JPEG's SOF marker), so a
decompression bomb (a small file declaring 50,000 x 50,000 pixels) is refused before anything
decodes it, and no image library is needed on the upload path.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from service.accounts.errors import N_, FormProblem

PNG = b"\x89PNG\r\n\x1a\n"
SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
SUFFIX = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}


@dataclass(frozen=True)
class ImageInfo:
    """A checked image."""

    content_type: str
    width: int
    height: int


def _refuse(message: str, **params: object) -> FormProblem:
    return FormProblem({"file": (message, dict(params))})


def inspect(data: bytes, *, max_bytes: int, max_pixels: int) -> ImageInfo:
    """The image's type and size, or a FormProblem saying why it is refused."""
    if not data:
        raise _refuse(N_("The file is empty."))
    if len(data) > max_bytes:
        raise _refuse(N_("The image is larger than %(kb)s KB."), kb=max_bytes // 1024)
    info = _sniff(data)
    if info.width <= 0 or info.height <= 0:
        raise _refuse(N_("The image declares no size."))
    if info.width * info.height > max_pixels:
        raise _refuse(
            N_("The image declares %(w)s x %(h)s pixels; at most %(max)s pixels are accepted."),
            w=info.width, h=info.height, max=max_pixels,
        )  # fmt: skip
    return info


def _sniff(data: bytes) -> ImageInfo:
    """Dispatch on the magic bytes; anything else (HTML, PHP, SVG, WebP) is refused."""
    if data.startswith(PNG):
        return _png(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        if len(data) < 10:
            raise _refuse(N_("The GIF file is cut off."))
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("image/gif", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise _refuse(
            N_("WebP images are not shown by every mail client: upload PNG, JPEG or GIF.")
        )
    raise _refuse(
        N_("This file is not a PNG, JPEG or GIF image (its content decides, not its name).")
    )


def _png(data: bytes) -> ImageInfo:
    """IHDR must be the first chunk, with a correct CRC; an IEND must close the file."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise _refuse(N_("The PNG file is damaged."))
    length = struct.unpack(">I", data[8:12])[0]
    body = data[12 : 16 + length]
    crc = struct.unpack(">I", data[16 + length : 20 + length])[0]
    if length != 13 or zlib.crc32(body) != crc or b"IEND" not in data[-12:]:
        raise _refuse(N_("The PNG file is damaged."))
    width, height = struct.unpack(">II", data[16:24])
    return ImageInfo("image/png", width, height)


def _jpeg(data: bytes) -> ImageInfo:
    """Walk the markers to the first start-of-frame, which holds height and width."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker in SOF and pos + 9 <= len(data):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return ImageInfo("image/jpeg", width, height)
        pos += 2 + length
    raise _refuse(N_("The JPEG file is damaged."))

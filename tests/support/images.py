"""Real image bytes for upload tests, built by hand (no image library needed): valid PNG, GIF,
JPEG, and hostile files (a decompression-bomb PNG, HTML and PHP renamed .png, SVG, WebP)."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, rgb: tuple[int, int, int] = (11, 61, 107)) -> bytes:
    """A real, decodable RGB PNG of one colour."""
    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(row * height, 9))
        + _chunk(b"IEND", b"")
    )


def bomb_png(side: int = 50_000) -> bytes:
    """A small file declaring side x side pixels of zeros (~7.5 GB once decoded)."""
    stream = zlib.compressobj(9)
    row = b"\x00" * (side * 3 + 1)
    data = b"".join(stream.compress(row) for _ in range(64)) + stream.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def gif(width: int = 2, height: int = 2) -> bytes:
    """A minimal valid GIF89a."""
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0)
    palette = b"\x00\x00\x00\xff\xff\xff"
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return header + palette + image + b"\x3b"


def jpeg_header(width: int = 120, height: int = 80) -> bytes:
    """The start of a baseline JPEG: SOI, an APP0 (JFIF) and an SOF0 frame header."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


HTML_AS_PNG = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
PHP_AS_PNG = b"<?php system($_GET['c']); ?>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>'
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24

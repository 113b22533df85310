"""Uploaded images are judged by their bytes: PNG, JPEG and GIF with their real size; HTML, PHP,
SVG and WebP (whatever their name) and decompression bombs are refused with a reason."""

from __future__ import annotations

import pytest

from service.accounts.errors import FormProblem
from service.media.images import ImageInfo, inspect
from tests.support.images import (
    HTML_AS_PNG,
    PHP_AS_PNG,
    SVG,
    WEBP,
    bomb_png,
    gif,
    jpeg_header,
    png,
)

LIMITS = {"max_bytes": 2 * 1024 * 1024, "max_pixels": 4096 * 4096}


def test_png_gif_and_jpeg_are_read_with_their_size() -> None:
    assert inspect(png(120, 40), **LIMITS) == ImageInfo("image/png", 120, 40)
    assert inspect(gif(3, 5), **LIMITS) == ImageInfo("image/gif", 3, 5)
    info = inspect(jpeg_header(640, 480), **LIMITS)
    assert (info.content_type, info.width, info.height) == ("image/jpeg", 640, 480)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (HTML_AS_PNG, "not a PNG, JPEG or GIF"),
        (PHP_AS_PNG, "not a PNG, JPEG or GIF"),
        (SVG, "not a PNG, JPEG or GIF"),
        (WEBP, "WebP"),
        (b"", "empty"),
        (png(10, 10)[:30], "damaged"),
        (png(10, 10)[:20] + b"\x00\x00\x00\x00" + png(10, 10)[24:], "damaged"),  # bad IHDR CRC
    ],
)
def test_files_that_are_not_our_images_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(FormProblem) as refused:
        inspect(data, **LIMITS)
    assert message in str(refused.value)


def test_a_decompression_bomb_is_refused_from_its_header_without_decoding() -> None:
    bomb = bomb_png()
    assert len(bomb) < 2 * 1024 * 1024  # small on disk, 50,000 x 50,000 declared
    with pytest.raises(FormProblem, match="50000 x 50000 pixels"):
        inspect(bomb, **LIMITS)


def test_an_oversized_file_is_refused() -> None:
    with pytest.raises(FormProblem, match="larger than 2048 KB"):
        inspect(png(10, 10) + b"\x00" * (2 * 1024 * 1024), **LIMITS)

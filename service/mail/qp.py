"""Quoted-printable body encoding, byte-identical to the stdlib's, at C speed for common lines.

`email.message.EmailMessage.set_content(..., cte="quoted-printable")` encodes with
`email.quoprimime.body_encode`, a pure-Python translate-and-split that costs about a millisecond
for a 25 KB body. `binascii.b2a_qp` (C) escapes the same characters but places soft line breaks
differently and also escapes a lone '.' line. So we let binascii escape, drop its soft breaks,
undo the '.' escape (the stdlib never escapes '.'), and re-split only the lines longer than 76
characters with the stdlib's own rule. Lines are limited to 76 characters (RFC 2045 §6.7).
"""

from __future__ import annotations

import binascii
import re

MAX_LINE = 76
# One soft-broken piece, while at least 77 characters remain: 75 characters, or fewer when an
# escape would be cut (the escape's '=' then moves to the next line). Same rule as the stdlib.
_CHUNK = re.compile(rb"(?=.{77})(?:.{73}(?==)|.{74}(?==)|.{75})", re.DOTALL)


def qp_encode(data: bytes) -> bytes:
    """Encode a body whose lines end in LF (and which ends in LF); return CRLF-terminated QP."""
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    encoded = encoded.replace(b"=\n", b"")  # '=' before LF is only ever a soft break
    if b"=2E" in encoded:
        encoded = encoded.replace(b"=2E", b".")  # '.' is otherwise never escaped
    lines = encoded.split(b"\n")
    if max(map(len, lines)) > MAX_LINE:
        lines = [line if len(line) <= MAX_LINE else _split_long(line) for line in lines]
    return b"\r\n".join(lines)


def _split_long(encoded: bytes) -> bytes:
    """Soft-break one escaped line exactly as email.quoprimime.body_encode(maxlinelen=76) does."""
    # binascii escaped the final blank; the stdlib rule decides that itself, so restore it.
    if encoded.endswith((b"=20", b"=09")):
        line = encoded[:-3] + (b" " if encoded[-1] == ord("0") else b"\t")
    else:
        line = encoded
    chunks = _CHUNK.findall(line)
    start = sum(map(len, chunks))
    tail = _tail(line, start, len(line) - 1 - MAX_LINE)
    if not chunks:
        return tail
    return b"=\r\n".join(chunks) + b"=\r\n" + tail


def _tail(line: bytes, start: int, laststart: int) -> bytes:
    """The rest of a line, with the stdlib's treatment of a trailing blank."""
    if not line or line[-1:] not in (b" ", b"\t"):
        return line[start:]
    quoted = b"=%02X" % line[-1]
    room = start - laststart
    if room >= 3:
        return line[start:-1] + quoted
    if room == 2:
        return line[start:-1] + line[-1:] + b"=\r\n"
    return line[start:-1] + b"=\r\n" + quoted

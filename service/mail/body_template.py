"""A body part compiled once per edition: constant lines pre-encoded, placeholder lines filled.

Quoted-printable encoding and DKIM's relaxed body canonicalisation both work line by line, so
lines without placeholders are encoded and canonicalised once per edition; per recipient only
the lines that hold placeholders are filled, encoded and canonicalised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from service.mail.dkim_sign import relaxed_lines
from service.mail.qp import MAX_LINE, qp_encode
from service.rendering.contract import PLACEHOLDER_PREFIX, PLACEHOLDER_SUFFIX

PLACEHOLDER = re.compile(
    re.escape(PLACEHOLDER_PREFIX).encode()
    + rb"([A-Z0-9]+?)"
    + re.escape(PLACEHOLDER_SUFFIX).encode()
)
# A line the stdlib would leave as it is: printable ASCII but '=', no trailing blank, short.
_NEEDS_QP = re.compile(rb"[^\t\x20-\x3c\x3e-\x7e]|[ \t]\Z")


class _Line:
    """One source line holding placeholders: literals[0] key0 literals[1] key1 ... literals[-1]."""

    __slots__ = ("head", "pairs")

    def __init__(self, pieces: list[bytes]) -> None:
        self.head = pieces[0]
        self.pairs = [(pieces[i].decode("ascii"), pieces[i + 1]) for i in range(1, len(pieces), 2)]

    def fill(self, values: Mapping[str, bytes]) -> bytes:
        """The line with values in place."""
        return self.head + b"".join([values[key] + lit for key, lit in self.pairs])


def encode_line(line: bytes) -> bytes:
    """Quoted-printable of one LF-free line, CRLF-terminated, identical to the stdlib's."""
    if len(line) <= MAX_LINE and not _NEEDS_QP.search(line):
        return line + b"\r\n"
    return qp_encode(line + b"\n")


class BodyTemplate:
    """The encoded body of one MIME part with per-recipient placeholders."""

    def __init__(self, source: str) -> None:
        lines = source.encode("utf-8").splitlines()  # the same split EmailMessage applies
        self.segments: list[tuple[bytes, bytes] | _Line] = []  # (encoded, canonical) or a line
        self.keys: set[str] = set()
        run: list[bytes] = []
        for line in lines:
            pieces = PLACEHOLDER.split(line)
            if len(pieces) == 1:
                run.append(line)
                continue
            self._flush(run)
            run = []
            compiled = _Line(pieces)
            self.keys.update(key for key, _ in compiled.pairs)
            self.segments.append(compiled)
        self._flush(run if lines else [b""])

    def _flush(self, run: list[bytes]) -> None:
        """Encode a run of constant lines once."""
        if run:
            encoded = qp_encode(b"\n".join(run) + b"\n")
            self.segments.append((encoded, relaxed_lines(encoded)))

    def render(self, values: Mapping[str, bytes]) -> tuple[list[bytes], list[bytes]]:
        """(encoded pieces, their relaxed-canonical forms) for one recipient."""
        encoded: list[bytes] = []
        canonical: list[bytes] = []
        for segment in self.segments:
            if isinstance(segment, tuple):
                encoded.append(segment[0])
                canonical.append(segment[1])
            else:
                piece = encode_line(segment.fill(values))
                encoded.append(piece)
                canonical.append(relaxed_lines(piece))
        return encoded, canonical

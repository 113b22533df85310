"""The addresses an import has seen, with the line of each one's first row, in compact memory.

A dict of 1,000,000 int digests to line numbers costs ~100 MB in CPython; this open-addressing
table keeps a 64-bit digest and a 32-bit line per slot in two arrays (12 bytes a slot at most
half full: ~24 MB for a million addresses), so the importer's memory stays nearly flat.
"""

from __future__ import annotations

import hashlib
from array import array

START = 1 << 14


def digest(address: str) -> int:
    """A non-zero 64-bit digest of a normalised address (0 marks an empty slot)."""
    value = int.from_bytes(hashlib.blake2b(address.encode(), digest_size=8).digest(), "big")
    return value or 1


class SeenAddresses:
    """First line per address digest; `first(address, line)` records or returns the earlier."""

    def __init__(self, capacity: int = START) -> None:
        self.keys = array("Q", bytes(8 * capacity))
        self.lines = array("I", bytes(4 * capacity))
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def first(self, address: str, line: int) -> int:
        """The line this address was first seen on; records `line` when it is new."""
        key = digest(address)
        slot = self._slot(key)
        if self.keys[slot] == key:
            return int(self.lines[slot])
        self.keys[slot], self.lines[slot] = key, line
        self.size += 1
        if self.size * 2 > len(self.keys):
            self._grow()
        return line

    def _slot(self, key: int) -> int:
        """Linear probing: the slot holding `key`, or the empty one where it belongs."""
        mask = len(self.keys) - 1
        slot = key & mask
        while self.keys[slot] not in (0, key):
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        """Double the table and re-insert every entry."""
        keys, lines = self.keys, self.lines
        capacity = len(keys) * 2
        self.keys = array("Q", bytes(8 * capacity))
        self.lines = array("I", bytes(4 * capacity))
        for key, line in zip(keys, lines, strict=True):
            if key:
                slot = self._slot(key)
                self.keys[slot], self.lines[slot] = key, line

"""CSV cells that a spreadsheet would run as formulas are defused (issue 15, finding 14).

A link URL, an announcement title or an imported address starting with =, +, -, @ (or a tab
or carriage return) becomes a formula in Excel/LibreOffice; OWASP's advice: prefix a quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with a leading ' when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of a row made safe."""
    return [safe_cell(v) for v in row]

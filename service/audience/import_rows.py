"""Reading import files (CSV, JSON Lines) row by row and turning each row into checked values."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from service.audience.fast_address import normalise_fast
from service.domain.segment_ast import ATTRIBUTES
from service.errors import InvalidInput
from service.models.subscriber import Language

FIELDS = ("email", "name", "language", "consent_date", "consent_source", "consent_text")
LIST_SEPARATORS = (";", "|")


class RowError(Exception):
    """One row cannot be imported; the message is the report's reason."""


@dataclass
class ImportRow:
    """One checked row: the normalised address and what to store."""

    line: int
    email: str
    name: str | None = None
    language: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    consent_at: datetime | None = None
    consent_source: str | None = None
    consent_text: str = ""


RawRow = tuple[int, dict[str, Any]]  # (line number, column -> value)


def open_rows(path: Path, handle: IO[bytes]) -> Iterator[RawRow]:
    """Rows of a .csv or .jsonl/.ndjson file with the line each starts on."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _decoded(handle, _csv_rows)
    if suffix in (".jsonl", ".ndjson"):
        return _decoded(handle, _jsonl_rows)
    raise InvalidInput(f"{path}: unknown import format {suffix!r} (use .csv or .jsonl)")


def _decoded(handle: IO[bytes], reader: Callable[[IO[str]], Iterator[RawRow]]) -> Iterator[RawRow]:
    """UTF-8 text over the binary handle, which stays open (and readable for progress)."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        yield from reader(text)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"import file is not UTF-8 text: {exc.reason}; import stopped") from None
    finally:
        text.detach()  # otherwise collecting the wrapper closes the caller's handle


def _csv_rows(text: IO[str]) -> Iterator[RawRow]:
    reader = csv.reader(text)
    try:
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip() for h in header]
        start = reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                yield start, dict(zip(names, values, strict=False))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput(f"CSV line {reader.line_num}: {exc}; import stopped") from None


def _jsonl_rows(text: IO[str]) -> Iterator[RawRow]:
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, {"__error__": f"invalid JSON: {exc.msg} at column {exc.colno}"}
            continue
        if not isinstance(data, dict):
            yield number, {"__error__": "invalid JSON: a line must hold one object"}
            continue
        yield number, data


def make_mapper(mapping: dict[str, str] | None) -> Callable[[RawRow], ImportRow]:
    """A function checking one raw row; `mapping` renames source columns ('' drops one)."""
    rename = dict(mapping or {})
    for target in rename.values():
        if target and target not in FIELDS and target not in ATTRIBUTES:
            raise InvalidInput(f"mapping: unknown target field {target!r}")

    def check(raw: RawRow) -> ImportRow:
        line, columns = raw
        if "__error__" in columns:
            raise RowError(columns["__error__"])
        values = {rename.get(k, k): v for k, v in columns.items() if rename.get(k, k)}
        return _check(line, values)

    return check


def _check(line: int, values: dict[str, Any]) -> ImportRow:
    """Validate one renamed row."""
    email = values.get("email")
    if not isinstance(email, str) or not email.strip():
        raise RowError("missing email")
    try:
        address = normalise_fast(email)
    except InvalidInput as exc:
        raise RowError(f"invalid email: {str(exc).split(': ', 1)[-1]}") from None
    row = ImportRow(line=line, email=address, name=_text(values.get("name"), "name") or None)
    language = _text(values.get("language"), "language")
    if language:
        if language not in {lang.value for lang in Language}:
            raise RowError(f"language: expected de or en, got {language!r}")
        row.language = language
    row.attributes = {k: _attribute(k, values[k]) for k in ATTRIBUTES if _present(values.get(k))}
    _check_consent(row, values)
    return row


def _check_consent(row: ImportRow, values: dict[str, Any]) -> None:
    """Proof of earlier consent: both its date and its source, or neither."""
    when, source = values.get("consent_date"), _text(values.get("consent_source"), "consent_source")
    if not _present(when) and not source:
        return
    if not _present(when) or not source:
        raise RowError("consent proof needs both consent_date and consent_source")
    row.consent_at = _instant(when)
    row.consent_source = source
    row.consent_text = _text(values.get("consent_text"), "consent_text")


def _attribute(name: str, value: Any) -> Any:
    """A registry attribute with the registry's type (lists from 'a;b' in CSV)."""
    if ATTRIBUTES[name] == "list":
        if isinstance(value, str):
            for sep in LIST_SEPARATORS:
                value = value.replace(sep, ",")
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RowError(f"{name}: expected a list of strings")
        return value
    if not isinstance(value, str):
        raise RowError(f"{name}: expected a string")
    return _text(value, name)


def _text(value: Any, name: str) -> str:
    """A stripped single-line string ('' for missing)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RowError(f"{name}: expected a string")
    if any(c in value for c in "\r\n\x00"):
        raise RowError(f"{name}: contains a line break or NUL")
    return value.strip()


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _instant(value: Any) -> datetime:
    """ISO date or datetime (naive means UTC); not in the future."""
    try:
        text = str(value).strip()
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"consent_date: expected an ISO date, got {value!r}") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment > datetime.now(UTC):
        raise RowError("consent_date: lies in the future")
    return moment

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
from service.settings import get_settings

FIELDS = (
    "email", "name", "first_name", "last_name", "language",
    "consent_date", "consent_source", "consent_text", "lists",
)  # fmt: skip
LIST_SEPARATORS = (";", "|")


class RowError(Exception):
    """One row cannot be imported; the message is the report's reason."""

    email = ""  # the row's address as written, for the report


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
    lists: list[str] | None = None  # mailing lists the row subscribes to; None: the default list


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
    """CSV records with the line each starts on; a broken record is reported and skipped."""
    feed = LineFeed(text)
    first = next(feed, None)
    if first is None:
        return
    dialect = _dialect(first)
    names = [h.strip() for h in next(csv.reader([first], dialect))]
    feed.mark()
    while True:
        reader = csv.reader(feed, dialect, strict=True)
        try:
            for values in reader:
                if any(v.strip() for v in values):
                    yield feed.start, dict(zip(names, values, strict=False))
                feed.mark()
            return
        except csv.Error as exc:
            yield feed.start, {"__error__": _syntax_error(feed, exc)}
            feed.resume_after_start()


class LineFeed:
    """Lines for csv.reader with physical line numbers; can replay after a broken record."""

    def __init__(self, text: IO[str]) -> None:
        self.text = iter(text)
        self.number = 0  # physical lines handed out so far
        self.start = 1  # line on which the current record starts
        self.record: list[str] = []  # lines of the current record (bounded by the field limit)
        self.replay: list[str] = []

    def __iter__(self) -> LineFeed:
        return self

    def __next__(self) -> str:
        line = self.replay.pop(0) if self.replay else next(self.text)
        self.number += 1
        self.record.append(line)
        return line

    def mark(self) -> None:
        """The next line starts a new record."""
        self.start, self.record = self.number + 1, []

    def resume_after_start(self) -> None:
        """Re-read the broken record's lines after its first one as fresh records."""
        self.replay = self.record[1:] + self.replay
        self.number = self.start
        self.start, self.record = self.start + 1, []


def _syntax_error(feed: LineFeed, exc: csv.Error) -> str:
    """A broken record as the report names it; an oversized single-line field stops the import."""
    first = feed.record[0] if feed.record else ""
    unbalanced = first.count('"') % 2 == 1
    if "field limit" in str(exc) and not unbalanced:
        raise InvalidInput(f"CSV line {feed.start}: {exc}; import stopped") from None
    if unbalanced:
        return "CSV syntax error: a quote opened on this line is never closed"
    return f"CSV syntax error: {exc}"


def _dialect(header: str) -> type[csv.Dialect]:
    """Comma, semicolon (German spreadsheets) or tab, whichever splits the header line."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda k: counts[k])

    class Dialect(csv.excel):
        delimiter = sep if counts[sep] else ","

    return Dialect


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
        values = {_field(rename.get(k, k)): v for k, v in columns.items() if rename.get(k, k)}
        try:
            return _check(line, values)
        except RowError as exc:
            exc.email = str(values.get("email") or "")[:320]  # the report names the raw value
            raise

    return check


def _field(column: str) -> str:
    """A column named like a known field in any case ("Email", "LANGUAGE") is that field."""
    lowered = column.strip().lower()
    return lowered if lowered in FIELDS or lowered in ATTRIBUTES else column


def _name(values: dict[str, Any]) -> str | None:
    """The name column, or first_name + last_name joined."""
    name = _text(values.get("name"), "name")
    if not name:
        parts = (_text(values.get(k), k) for k in ("first_name", "last_name"))
        name = " ".join(p for p in parts if p)
    return name or None


def _check(line: int, values: dict[str, Any]) -> ImportRow:
    """Validate one renamed row."""
    email = values.get("email")
    if not isinstance(email, str) or not email.strip():
        raise RowError("missing email")
    try:
        address = normalise_fast(email)
    except InvalidInput as exc:
        raise RowError(f"invalid email: {str(exc).split(': ', 1)[-1]}") from None
    row = ImportRow(line=line, email=address, name=_name(values))
    language = _text(values.get("language"), "language")
    if language:
        if language not in {lang.value for lang in Language}:
            raise RowError(f"language: expected de or en, got {language!r}")
        row.language = language
    row.attributes = {k: _attribute(k, values[k]) for k in ATTRIBUTES if _present(values.get(k))}
    _check_consent(row, values)
    row.lists = _lists(values.get("lists"))
    return row


def _lists(value: Any) -> list[str] | None:
    """Configured mailing lists from 'a;b' (CSV) or a JSON array; empty: the default list."""
    if not _present(value):
        return None
    if isinstance(value, str):
        for sep in LIST_SEPARATORS:
            value = value.replace(sep, ",")
        value = value.split(",")
    slugs = sorted({str(v).strip() for v in value if str(v).strip()})
    known = get_settings().mailing_lists
    if unknown := [s for s in slugs if s not in known]:
        raise RowError(f"lists: unknown list {unknown[0]!r} (configured: {', '.join(known)})")
    return slugs or None


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

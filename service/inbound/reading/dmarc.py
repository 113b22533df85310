"""DMARC aggregate (rua) reports, RFC 7489 appendix C: find, unpack and parse them safely.

Reports come from strangers, so nothing is trusted: the XML is parsed with defusedxml (no DTD,
no entities), the attachment is decompressed in bounded steps so a zip or gzip bomb stops at
`max_xml_bytes`, a zip must hold exactly one XML file, and at most `max_records` records are
read. Anything else is a DmarcError with the reason; the caller keeps the mail and says why.
"""

from __future__ import annotations

import gzip
import io
import ipaddress
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
GZIP_TYPES = {"application/gzip", "application/x-gzip", "application/gzip-compressed"}
XML_TYPES = {"text/xml", "application/xml"}
# RFC 7489 §7.2.1.1: "Report Domain: example.com Submitter: google.com Report-ID: <...>"
SUBJECT = re.compile(r"^\s*report\s+domain\s*:", re.IGNORECASE)
# RFC 7489 §7.2.1.1 file names: receiver "!" policy domain "!" begin "!" end [ "!" id ] ext
FILENAME = re.compile(r"^[^!]+![^!]+!\d+!\d+(![^.]*)?\.(xml|xml\.gz|zip|gz)$", re.IGNORECASE)
_CHUNK = 64 * 1024


class DmarcError(ValueError):
    """A report that cannot be read safely; the message says why."""


@dataclass(frozen=True)
class Limits:
    """Caps on what one report may cost."""

    max_xml_bytes: int = 20 * 1024 * 1024
    max_records: int = 100_000


@dataclass
class Record:
    """One <record>: a source IP, how many messages, and how they were judged."""

    source_ip: str
    count: int
    disposition: str
    dkim: str
    spf: str
    header_from: str
    dkim_domain: str = ""
    dkim_result: str = ""
    spf_domain: str = ""
    spf_result: str = ""


@dataclass
class AggregateReport:
    """The parts of a report the summaries use."""

    org_name: str
    email: str
    report_id: str
    date_begin: datetime
    date_end: datetime
    domain: str
    policy: str
    records: list[Record] = field(default_factory=list)


@dataclass(frozen=True)
class Attachment:
    """The report file of a mail."""

    filename: str
    content_type: str
    data: bytes


def report_attachment(msg: Message) -> Attachment | None:
    """The first part that is a report file (zip, gzip or XML), or None."""
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type().lower()
        name = (part.get_filename() or "").strip()
        by_name = name.lower().endswith((".zip", ".gz", ".xml"))
        if ctype in ZIP_TYPES | GZIP_TYPES | XML_TYPES or (
            ctype == "application/octet-stream" and by_name
        ):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and data:
                return Attachment(name, ctype, data)
    return None


def is_dmarc_report(msg: Message) -> bool:
    """An aggregate report by its subject (RFC 7489 §7.2.1.1) or its attachment's file name."""
    if SUBJECT.match(str(msg.get("Subject", ""))):
        return report_attachment(msg) is not None
    return any(FILENAME.match((part.get_filename() or "").strip()) for part in msg.walk())


def unpack(attachment: Attachment, limits: Limits) -> bytes:
    """The XML bytes of the attachment, decompressed with bounded output."""
    name, ctype, data = attachment.filename.lower(), attachment.content_type, attachment.data
    if data[:4] == b"PK\x03\x04" or ctype in ZIP_TYPES or name.endswith(".zip"):
        return _unzip(data, limits)
    if data[:2] == b"\x1f\x8b" or ctype in GZIP_TYPES or name.endswith(".gz"):
        return _gunzip(data, limits)
    if len(data) > limits.max_xml_bytes:
        raise DmarcError(f"report of {len(data)} bytes is over the {limits.max_xml_bytes} limit")
    return data


def _gunzip(data: bytes, limits: Limits) -> bytes:
    """gzip in bounded steps: a bomb stops at the limit instead of filling memory."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += inflater.decompress(pending, _CHUNK)
            if len(out) > limits.max_xml_bytes:
                raise DmarcError(f"report expands beyond the {limits.max_xml_bytes} byte limit")
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        if not inflater.eof:
            raise DmarcError("gzip data is truncated")
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise DmarcError(f"not readable as gzip: {exc}") from None
    return bytes(out)


def _unzip(data: bytes, limits: Limits) -> bytes:
    """Exactly one XML file from a zip, read with a bound whatever its header claims."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DmarcError(f"not readable as zip: {exc}") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1 or not members[0].filename.lower().endswith(".xml"):
            raise DmarcError(f"a report zip must hold one .xml file, not {len(members)} files")
        member = members[0]
        if member.flag_bits & 0x1:
            raise DmarcError("encrypted zip member")
        if member.file_size > limits.max_xml_bytes:
            raise DmarcError(f"report expands beyond the {limits.max_xml_bytes} byte limit")
        try:
            with archive.open(member) as handle:
                out = handle.read(limits.max_xml_bytes + 1)  # the header may lie
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError) as exc:
            raise DmarcError(f"not readable as zip: {exc}") from None
    if len(out) > limits.max_xml_bytes:
        raise DmarcError(f"report expands beyond the {limits.max_xml_bytes} byte limit")
    return out


def parse_aggregate(xml: bytes, limits: Limits | None = None) -> AggregateReport:
    """The report in `xml` (namespaced DMARCbis reports too); DmarcError when not one."""
    limits = limits or Limits()
    try:
        root = safe_xml.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise DmarcError(f"refused XML construct: {type(exc).__name__}") from None
    except Exception as exc:  # ParseError and friends: not XML at all
        raise DmarcError(f"not well-formed XML: {exc}") from None
    _strip_namespaces(root)
    if root.tag != "feedback":
        raise DmarcError(f"root element is <{root.tag}>, not <feedback>")
    meta = _need(root, "report_metadata")
    published = _need(root, "policy_published")
    report = AggregateReport(
        org_name=_text(meta, "org_name", required=True)[:200],
        email=_text(meta, "email")[:320],
        report_id=_text(meta, "report_id", required=True)[:200],
        date_begin=_epoch(_text(meta, "date_range/begin", required=True)),
        date_end=_epoch(_text(meta, "date_range/end", required=True)),
        domain=_text(published, "domain", required=True).lower()[:253],
        policy=_text(published, "p")[:16],
    )
    for index, element in enumerate(root.iter("record")):
        if index >= limits.max_records:
            raise DmarcError(f"more than {limits.max_records} records")
        report.records.append(_record(element))
    return report


def _record(element: Element) -> Record:
    row = _need(element, "row")
    ip = _text(row, "source_ip", required=True)
    try:
        ip = str(ipaddress.ip_address(ip))
    except ValueError:
        raise DmarcError(f"source_ip {ip[:60]!r} is not an IP address") from None
    count = _text(row, "count", required=True)
    if not count.isdigit():
        raise DmarcError(f"count {count[:20]!r} is not a number")
    dkim_auth = element.find("auth_results/dkim")
    spf_auth = element.find("auth_results/spf")
    return Record(
        source_ip=ip,
        count=int(count),
        disposition=_text(row, "policy_evaluated/disposition").lower()[:16] or "none",
        dkim=_text(row, "policy_evaluated/dkim").lower()[:8],
        spf=_text(row, "policy_evaluated/spf").lower()[:8],
        header_from=_text(element, "identifiers/header_from").lower()[:253],
        dkim_domain=_text(dkim_auth, "domain").lower()[:253],
        dkim_result=_text(dkim_auth, "result").lower()[:16],
        spf_domain=_text(spf_auth, "domain").lower()[:253],
        spf_result=_text(spf_auth, "result").lower()[:16],
    )


def _strip_namespaces(root: Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]


def _need(parent: Element, path: str) -> Element:
    found = parent.find(path)
    if found is None:
        raise DmarcError(f"missing <{path}>")
    return found


def _text(parent: Element | None, path: str, *, required: bool = False) -> str:
    found = parent.find(path) if parent is not None else None
    value = (found.text or "").strip() if found is not None else ""
    if required and not value:
        raise DmarcError(f"missing <{path}>")
    return value


def _epoch(value: str) -> datetime:
    if not value.isdigit() or len(value) > 12:
        raise DmarcError(f"date {value[:20]!r} is not a Unix time")
    return datetime.fromtimestamp(int(value), UTC)

"""Label the failed addresses of the sisimai corpus samples (upstream pins none), by a script.

Independent of service/inbound: stdlib parsing only, and only structured evidence, in the order
that names the address the sender sent to (docs/bounces.md): the DSN's Original-Recipient, then
X-Failed-Recipients, then the returned message's To (a single address), and only then the
reporting system's Final-Recipient, which may be its own internal name (a forward target, an
alias). With several recipients: per failed DSN block Original- else Final-Recipient, else
X-Failed-Recipients. A file is labelled only when the count found equals sisimai's own
recipient count (`n_recipients`); anything else is left out with the reason: never a guess.
Where the label and Final-Recipient disagree the method says so, for the review; a returned To
that disagrees with Final-Recipient (and nothing better) is left unlabelled as ambiguous.

Run: .venv/bin/python -m tests.unit.sisimai_address_labels  (writes data/sisimai_addresses.json)
Reviewed by reading 25 samples of each method (see docs/bounces.md, "Address labels").
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import sys
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from pathlib import Path

CORPUS = Path("/work/shared/corpus/bounces")
OUT = Path(__file__).with_name("data") / "sisimai_addresses.json"
SOURCES = ("sisimai/", "sisimai-crlf/")
_FIELD = re.compile(
    r"^(original|final)-recipient:\s*(?:rfc822|[\w-]+)?\s*;\s*<?([^\s<>;]+@[^\s<>;]+?)>?\s*$",
    re.I | re.M,
)
_ACTION = re.compile(r"^action:\s*(\S+)", re.I | re.M)
_FAILED = ("failed", "delayed", "expired", "failure")
_DSN_TYPES = {"message/delivery-status", "message/global-delivery-status"}


def dsn_addresses(msg: Message) -> tuple[list[str], list[str]]:
    """Per failed DSN block: (Original-Recipient, else Final-Recipient), (Final-Recipient)."""
    found: list[str] = []
    finals: list[str] = []
    for part in msg.walk():
        if part.get_content_type() not in _DSN_TYPES:
            continue
        raw = part.as_string() if part.is_multipart() else (part.get_payload(decode=True) or b"")
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        for block in re.split(r"\r?\n\s*\r?\n", text):
            action = _ACTION.search(block)
            if action and not action.group(1).lower().startswith(_FAILED):
                continue
            fields = {kind.lower(): addr for kind, addr in _FIELD.findall(block)}
            address = fields.get("original") or fields.get("final")
            if address and address.lower() not in (a.lower() for a in found):
                found.append(address)
            if fields.get("final"):
                finals.append(fields["final"])
    return found, finals


def returned_to(msg: Message) -> list[str]:
    """The To of the returned message (message/rfc822 or text/rfc822-headers), decoded."""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822" and part.is_multipart():
            return _to_of(part.get_payload(0))
        if ctype == "text/rfc822-headers":
            return _to_of(email.message_from_bytes(part.get_payload(decode=True) or b""))
    return []


def _to_of(inner: Message) -> list[str]:
    values = [str(make_header(decode_header(str(v)))) for v in inner.get_all("To", [])]
    return [a for _, a in getaddresses(values) if "@" in a]


def label(path: Path, expected_count: int) -> tuple[list[str] | None, str]:
    """(addresses, method) or (None, why not)."""
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
    per_block, finals = dsn_addresses(msg)
    failed_header = ",".join(str(v) for v in msg.get_all("X-Failed-Recipients", []))
    failed = [a for _, a in getaddresses([failed_header]) if "@" in a]
    if expected_count == 1:
        originals = [a for a in per_block if a not in finals]
        to = returned_to(msg)
        to = to if len(to) == 1 else []
        if not (originals or failed) and to and finals and _low(to) != _low(finals):
            # Our own mail has To = RCPT, third parties' need not (lists, Bcc): no label.
            return None, f"ambiguous: returned To {to[0]}, Final-Recipient {', '.join(finals)}"
        candidates = [
            ("original-recipient", originals),
            ("x-failed-recipients", failed),
            ("returned-to", to),
            ("final-recipient", finals),
        ]
    else:
        candidates = [("dsn", per_block), ("x-failed-recipients", failed)]
    for method, found in candidates:
        if not found:
            continue
        unique = sorted({a.strip().lower() for a in found})
        if len(unique) != expected_count:
            return None, f"{method} gives {len(unique)} addresses, sisimai counts {expected_count}"
        if finals and _low(finals) != set(unique):
            method += f" (final-recipient says {', '.join(sorted(set(finals)))})"
        return unique, method
    return None, "no structured field names the recipient (text only)"


def _low(addresses: list[str]) -> set[str]:
    return {a.strip().lower() for a in addresses}


def main() -> None:
    """Label every sisimai sample with upstream expectations; print the counts."""
    labels = json.loads((CORPUS / "labels.json").read_text())["files"]
    out: dict[str, dict[str, object]] = {}
    counts: dict[str, int] = {}
    for name, meta in sorted(labels.items()):
        if not name.startswith(SOURCES) or not meta.get("n_recipients"):
            continue
        addresses, method = label(CORPUS / name, int(meta["n_recipients"]))
        key = method.split(" (")[0] + (" over final" if "(" in method else "")
        key = key if addresses else "unlabelled"
        counts[key] = counts.get(key, 0) + 1
        out[name] = {"addresses": addresses, "method": method}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"_counts": counts, "files": out}, indent=1, sort_keys=True) + "\n")
    print(json.dumps(counts), file=sys.stderr)


if __name__ == "__main__":
    main()

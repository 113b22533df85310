"""One preflight check's outcome: the STANDARDS row, pass/fail, why, and what to publish."""

from __future__ import annotations

from dataclasses import dataclass, field

PASS, FAIL, WARN = "pass", "fail", "warn"


@dataclass(frozen=True)
class Check:
    """A row of `newsdesk dns check` and of the newsroom's DNS table.

    `reason` is a fixed code the newsroom translates; `detail` is the English sentence the CLI
    prints; `found` is what DNS holds and `publish` the record to add (name, type, value).
    """

    row: str  # STANDARDS row: A1, A2, A3, A4
    key: str  # spf-record, spf-ip, spf-lookups, dkim-record, dmarc-record, ...
    status: str  # pass | fail | warn
    must: bool
    reason: str
    detail: str
    subject: str = ""  # the name or address checked
    found: str = ""
    publish: tuple[str, str, str] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def failed_must(self) -> bool:
        """A MUST that does not pass: `newsdesk dns check` exits 1."""
        return self.must and self.status != PASS

    @property
    def publish_line(self) -> str:
        """The record to publish as a zone-file line ('' when nothing is missing)."""
        if self.publish is None:
            return ""
        name, kind, value = self.publish
        return f'{name}. IN {kind} "{value}"' if kind == "TXT" else f"{name}. IN {kind} {value}"

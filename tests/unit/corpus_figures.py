"""Measure the inbound classifier against the labelled corpus (shared by tests and reporting)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path

from service.inbound.reading.classify import classify_message
from service.inbound.reading.reply_text import visible_text
from tests.conftest import CORPUS as _CONFTEST_CORPUS
from tests.unit.reply_assertions import EXPECTED, TIMED_ONLY

# tests/conftest.py resolves the corpus relative to the checkout (right for /work/main); a git
# worktree one level deeper finds it at the fixed shared location instead.
CORPUS = next(
    (p for p in (_CONFTEST_CORPUS, Path("/work/shared/corpus")) if (p / "bounces").is_dir()),
    _CONFTEST_CORPUS,
)

# BounceParser's std_reason -> our hard/soft; `user_disabled` and `unknown` are left out because
# the two upstream corpora disagree on disabled accounts (sisimai calls them soft "suspend").
_STD_REASON = {"user_unknown": "hard", "domain_error": "hard", "over_quota": "soft", "spam": "soft"}


@dataclass
class Ratio:
    """hits out of total, with the misses kept for the failure message."""

    hits: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, label: str) -> None:
        """Count one case."""
        self.total += 1
        self.hits += ok
        if not ok:
            self.misses.append(label)

    @property
    def rate(self) -> float:
        """hits / total (1.0 when nothing was labelled)."""
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.hits}/{self.total} = {self.rate:.1%}"


def _labels(folder: str) -> dict[str, dict]:
    return json.loads((CORPUS / folder / "labels.json").read_text())["files"]


def _expected_bounce_type(label: dict) -> str | None:
    """hard/soft from sisimai's per-recipient hard_bounce or BounceParser's std_reason."""
    per = label.get("per_recipient") or []
    flags = {p["hard_bounce"] for p in per if p.get("reason") != "delivered"}
    if len(flags) == 1:
        return "hard" if flags.pop() else "soft"
    return _STD_REASON.get(label.get("std_reason") or "")


# Upstream labels transcribed wrongly as bounces: BounceParser's own tests say these are spam
# that must yield no reports (t/spam-*.t: "a non-bounce spam message is parsed as a bounce").
NOT_BOUNCES = {
    "bounceparser/spam-with-image.eml": "t/spam-with-image.t: ok(not $bounce->reports)",
    "bounceparser/spam-bogus-email-in-report.eml": "t/spam-bogus-email-in-report.t: no reports",
    "bounceparser/spam-lots-of-bogus-addresses.eml": "t/spam-lots-of-bogus-addresses.t",
}
SISIMAI_ADDRESSES = Path(__file__).with_name("data") / "sisimai_addresses.json"
SOURCE_TARGETS = {"recall": 0.98, "addresses": 0.97, "not_inquiry": 1.0}


@lru_cache(maxsize=1)
def sisimai_address_labels() -> dict[str, list[str]]:
    """Failed addresses labelled by tests/unit/sisimai_address_labels.py (labelled files only)."""
    files = json.loads(SISIMAI_ADDRESSES.read_text())["files"]
    return {name: entry["addresses"] for name, entry in files.items() if entry["addresses"]}


def _is_bounce_label(name: str, label: dict) -> bool:
    return name not in NOT_BOUNCES and (
        label.get("is_bounce") is True or label.get("is_failure_dsn") is True
    )


@lru_cache(maxsize=1)
def source_figures() -> dict[str, dict[str, Ratio]]:
    """Per corpus source (sisimai, sisimai-crlf, bounceparser, ...): recall, addresses, hard/soft,
    and bounces never taken for an inquiry, so a regression in one family shows."""
    sisimai = sisimai_address_labels()
    out: dict[str, dict[str, Ratio]] = {}
    for name, label in _labels("bounces").items():
        if not _is_bounce_label(name, label):
            continue
        figures = out.setdefault(name.split("/")[0], {k: Ratio() for k in
                                 ("recall", "addresses", "hard_soft", "not_inquiry")})  # fmt: skip
        verdict = classify_message((CORPUS / "bounces" / name).read_bytes())
        figures["recall"].add(verdict.kind == "bounce", f"{name}: {verdict.kind}")
        figures["not_inquiry"].add(verdict.kind != "inquiry", f"{name}: inquiry")
        want = label.get("recipient_addresses") or sisimai.get(name)
        if want:
            wanted = sorted(a.lower() for a in want)
            got = sorted(a.lower() for a in verdict.addresses)
            figures["addresses"].add(wanted == got, f"{name}: {got} != {wanted}")
        expected = _expected_bounce_type(label)
        if expected:
            ok = verdict.bounce_type == expected
            figures["hard_soft"].add(ok, f"{name}: {verdict.bounce_type}")
    return out


@lru_cache(maxsize=1)
def bounce_figures() -> dict[str, Ratio]:
    """Detection, failed-address and hard/soft agreement over bounces/ labels (all sources)."""
    sisimai = sisimai_address_labels()
    out = {
        "detected": Ratio(),
        "addresses": Ratio(),
        "hard_soft": Ratio(),
        "hard_soft_sans_filtered": Ratio(),
        "hard_soft_bounceparser": Ratio(),
    }
    for name, label in _labels("bounces").items():
        if not _is_bounce_label(name, label):
            continue
        verdict = classify_message((CORPUS / "bounces" / name).read_bytes())
        out["detected"].add(verdict.kind == "bounce", f"{name}: {verdict.kind}")
        labelled = label.get("recipient_addresses") or sisimai.get(name)
        if labelled:  # BounceParser's own labels and the sisimai labels made by our script
            want = sorted(a.lower() for a in labelled)
            got = sorted(a.lower() for a in verdict.addresses)
            out["addresses"].add(want == got, f"{name}: {got} != {want}")
        expected = _expected_bounce_type(label)
        if expected:
            out["hard_soft"].add(verdict.bounce_type == expected, f"{name}: {verdict.bounce_type}")
            if name.startswith("bounceparser/"):
                out["hard_soft_bounceparser"].add(verdict.bounce_type == expected, name)
            if not any(p.get("reason") == "filtered" for p in label.get("per_recipient") or []):
                # sisimai's "filtered" covers plain "550 Unknown user" replies; shown apart
                out["hard_soft_sans_filtered"].add(verdict.bounce_type == expected, name)
    return out


@lru_cache(maxsize=1)
def kind_figures() -> dict[str, Ratio]:
    """Complaints recognised; auto-replies never taken for inquiries (nor bounces)."""
    out = {
        "complaints": Ratio(),
        "autoreply_not_inquiry": Ratio(),
        "autoreply_exact": Ratio(),
        "replies_not_automatic": Ratio(),
    }
    for name in _labels("complaints"):
        verdict = classify_message((CORPUS / "complaints" / name).read_bytes())
        out["complaints"].add(verdict.kind == "complaint", f"{name}: {verdict.kind}")
    for name in _labels("autoreplies"):
        verdict = classify_message((CORPUS / "autoreplies" / name).read_bytes())
        out["autoreply_not_inquiry"].add(verdict.kind != "inquiry", f"{name}: {verdict.kind}")
        out["autoreply_exact"].add(verdict.kind == "autoreply", f"{name}: {verdict.kind}")
    for name in _labels("replies"):
        verdict = classify_message(_as_message(CORPUS / "replies" / name))
        human = verdict.kind in {"inquiry", "unsubscribe", "unknown"}
        out["replies_not_automatic"].add(human, f"{name}: {verdict.kind}")
    return out


def _as_message(path: Path) -> bytes:
    """Reply bodies (.txt) wrapped in a minimal message; .eml files as they are."""
    raw = path.read_bytes()
    if path.suffix != ".txt":
        return raw
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "ada@uni.example", "reply+t@reply.example", "Re: News"
    msg.set_content(raw.decode("utf-8", "replace"))
    return msg.as_bytes()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def reply_figures() -> dict[str, Ratio]:
    """Visible reply text equal to the expected text (whitespace-normalised)."""
    out = {"reply_text": Ratio()}
    for name, label in _labels("replies").items():
        expected = label.get("expected_trimmed", label.get("expected_visible_text"))
        if expected is None:
            continue
        body = (CORPUS / "replies" / name).read_bytes().decode("utf-8", "replace")
        got = visible_text(body)
        out["reply_text"].add(_norm(got) == _norm(expected), f"{name}: {got[:80]!r}")
    out["reply_assertions"] = _reply_assertions()
    return out


def _reply_assertions() -> Ratio:
    """GitHub/Zapier fragment-level labels: every transcribed check passes for the file."""
    labels = _labels("replies")
    ratio = Ratio()
    for name, checks in EXPECTED.items():
        if "expected_assertions" not in labels.get(name, {}):
            raise AssertionError(f"{name} has no expected_assertions label any more")
        body = (CORPUS / "replies" / name).read_bytes().decode("utf-8", "replace")
        got = visible_text(body)
        failed = [i for i, check in enumerate(checks) if not check(got, body)]
        ratio.add(not failed, f"{name}: checks {failed} failed on {got[:80]!r}")
    return ratio


@lru_cache(maxsize=1)
def reply_timings() -> dict[str, str]:
    """Parse time of the labels that upstream bounds to < 1 s (printed, never asserted)."""
    out = {}
    for name in sorted(TIMED_ONLY):
        body = (CORPUS / "replies" / name).read_bytes().decode("utf-8", "replace")
        start = time.perf_counter()
        visible_text(body)
        out[Path(name).stem[:24]] = f"{(time.perf_counter() - start) * 1000:.1f} ms (bound 1000)"
    return out


def all_figures() -> dict[str, Ratio]:
    """Every figure, for the terminal summary (per-source figures as "source: figure")."""
    per_source = {
        f"{source}: {figure}": ratio
        for source, figures in sorted(source_figures().items())
        for figure, ratio in figures.items()
    }
    return {**bounce_figures(), **per_source, **kind_figures(), **reply_figures()}


def label_counts() -> dict[str, str]:
    """How many address labels each source has, and where they come from."""
    files = json.loads(SISIMAI_ADDRESSES.read_text())
    labelled = sum(1 for e in files["files"].values() if e["addresses"])
    return {
        "sisimai address labels": f"{labelled} of {len(files['files'])} files by "
        f"tests/unit/sisimai_address_labels.py {files['_counts']}",
        "label corrections": f"{len(NOT_BOUNCES)} BounceParser spam samples are not bounces",
    }


def corpus_available() -> bool:
    """The shared corpus is mounted."""
    return Path(CORPUS / "bounces" / "labels.json").exists()

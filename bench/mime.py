"""Benchmark: CPU ms per message, fast path (fill + encode + sign) vs the EmailMessage build.

Run: PYTHONPATH=. python bench/mime.py   (last line: fast_ms=<x> slow_ms=<y>)
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dkim

from service.mail.compose import EditionSkeleton, Recipient
from service.mail.dkim_keys import generate_keypair
from service.settings import Settings
from tests.mail_samples import sample_edition
from tests.support.reference_build import build_reference_message


def _cpu_ms(fn: Callable[[int], object], n: int) -> float:
    """CPU milliseconds per call."""
    start = time.process_time()
    for i in range(n):
        fn(i)
    return (time.process_time() - start) / n * 1e3


def main() -> None:
    """Print the figures; the last line is machine-readable."""
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "k.pem"
        key.write_bytes(generate_keypair()[0])
        settings = Settings(secret_key="bench-secret-0123456789abcdefgh", dkim_private_key_path=key)
        edition = sample_edition()
        build_start = time.process_time()
        sk = EditionSkeleton.build(
            edition=edition, subject="Neuigkeiten aus der Partnerschaft", language="de",
            campaign_id=1, list_id="ecr", list_name="Early-Career Researchers",
            announcement_ids=(1, 2, 3), settings=settings,
        )  # fmt: skip
        build_ms = (time.process_time() - build_start) * 1e3
        who = lambda i: Recipient(i, f"reader{i}@example.org", "Ada Lovelace", tracking=True)  # noqa: E731
        size = len(sk.message_for(who(0)).data)
        fast = _cpu_ms(lambda i: sk.message_for(who(i)), 2000)
        unsigned = EditionSkeleton.build(
            edition=edition, subject="x", language="de", campaign_id=1, list_id="ecr",
            list_name="ECR", announcement_ids=(1, 2, 3),
            settings=Settings(secret_key="bench-secret-0123456789abcdefgh"),
        )  # fmt: skip
        fill_only = _cpu_ms(lambda i: unsigned.message_for(who(i)), 2000)
        now = datetime.now(UTC)
        slow_unsigned = _cpu_ms(
            lambda i: build_reference_message(
                edition=edition, meta=sk.meta, settings=settings, recipient=who(i), now=now,
                message_id=f"<m{i}@x.example>", boundary=sk.boundary,
            ),
            100,
        )  # fmt: skip
        pem = key.read_bytes()
        slow = _cpu_ms(
            lambda i: dkim.sign(
                build_reference_message(
                    edition=edition, meta=sk.meta, settings=settings, recipient=who(i), now=now,
                    message_id=f"<m{i}@x.example>", boundary=sk.boundary,
                ),
                b"nd2026", b"news.partnership.example.org", pem,
                canonicalize=(b"relaxed", b"relaxed"),
            ),
            50,
        )  # fmt: skip
    print(f"message_bytes={size} skeleton_build_ms={build_ms:.2f}")
    print(
        f"fill_encode_ms={fill_only:.3f} (fast path without DKIM)  "
        f"emailmessage_build_ms={slow_unsigned:.3f} (slow path without DKIM)"
    )
    print("fast = skeleton fill + QP + DKIM (cryptography); slow = EmailMessage + dkimpy sign")
    print(f"fast_ms={fast:.3f} slow_ms={slow:.3f}")


if __name__ == "__main__":
    main()

"""Benchmark: per-recipient cost of merge tags in the subject and a title, vs the plain edition.

Run: .venv/bin/python -m bench.merge_tags   (last line: plain_us=<a> tagged_us=<b> extra_us=<c>)
Both skeletons are DKIM-signed; recipients cycle through 500 distinct names, so the folded
subject cache (per distinct subject text) is exercised the way a real audience does.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from service.mail.compose import EditionSkeleton, Recipient
from service.mail.dkim_keys import generate_keypair
from service.rendering.edition import render_edition
from service.settings import Settings
from tests.unit.edition_samples import sample_edition

SUBJECT = 'Hallo {{ first_name | default("Kollegin, Kollege") }}: Neues aus der Partnerschaft'
N = 3000


def _skeleton(settings: Settings, *, tagged: bool) -> EditionSkeleton:
    spec = sample_edition("de")
    subject = SUBJECT if tagged else "Hallo: Neues aus der Partnerschaft"
    if tagged:
        first = replace(spec.announcements[0], title="{{ first_name }}, Ihre Förderung wartet")
        spec = replace(spec, announcements=(first, *spec.announcements[1:]))
    spec = replace(spec, subject=subject)
    return EditionSkeleton.build(
        edition=render_edition(spec), subject=subject, language="de", campaign_id=1,
        list_id="newsletter", list_name="Newsletter", settings=settings,
        announcement_ids=tuple(a.id for a in spec.announcements),
    )  # fmt: skip


def _cpu_us(skeleton: EditionSkeleton) -> float:
    names = [f"Jürgen{i % 500} Müller" for i in range(N)]
    start = time.process_time()
    for i, name in enumerate(names):
        skeleton.message_for(Recipient(i, f"r{i}@example.org", name, tracking=True))
    return (time.process_time() - start) / N * 1e6


def main() -> None:
    """Print the figures; the last line is machine-readable."""
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "k.pem"
        key.write_bytes(generate_keypair()[0])
        settings = Settings(secret_key="bench-secret-0123456789abcdefgh", dkim_private_key_path=key)
        plain, tagged = _skeleton(settings, tagged=False), _skeleton(settings, tagged=True)
        _cpu_us(plain), _cpu_us(tagged)  # warm caches and the allocator
        a, b = _cpu_us(plain), _cpu_us(tagged)
    print(f"per message, DKIM-signed, {N} recipients, 500 distinct first names")
    print(f"plain_us={a:.1f} tagged_us={b:.1f} extra_us={b - a:.1f}")


if __name__ == "__main__":
    main()

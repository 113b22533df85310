"""Production start-up warns loudly when the settings alone make DMARC alignment fail (A3).

A warning, not a refusal: DNS may be published later, and an operator may run a transition;
but a From domain unrelated to both DKIM d= and the VERP domain fails DMARC for every message.
"""

from __future__ import annotations

import logging

from service.deliverability.alignment import settings_problems, settings_warnings
from service.settings import Settings, is_production

log = logging.getLogger("newsdesk.deliverability")


def warn_about_alignment(settings: Settings) -> list[str]:
    """Log (ERROR / WARNING) what cannot align in production; returns the lines logged."""
    if not is_production(settings):
        return []
    errors, warnings = settings_problems(settings), settings_warnings(settings)
    for line in errors:
        log.error("DMARC alignment cannot hold: %s (run `newsdesk dns check`)", line)
    for line in warnings:
        log.warning("DMARC alignment is fragile: %s", line)
    return errors + warnings

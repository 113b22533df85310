"""What a campaign may hold, checked on every save (create and update alike) and at schedule.

A subject or list name with a line break passed scheduling and then made every send batch
fail (issue 15, finding 12): every value bound for a header is refused at save, with its field.
"""

from __future__ import annotations

import re

from service.errors import InvalidInput
from service.mail.headers import FORBIDDEN_IN_HEADERS
from service.models import Campaign
from service.settings import get_settings

HEADER_FIELDS = ("name", "subject_en", "subject_de", "list_name")
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")


def check_campaign_fields(campaign: Campaign) -> None:
    """Refuse control characters in header values and a list that is not configured."""
    for field in HEADER_FIELDS:
        value = getattr(campaign, field) or ""
        bad = next((c for c in value if c in FORBIDDEN_IN_HEADERS or ord(c) < 0x20), None)
        if bad is not None:
            raise InvalidInput(
                f"{field} contains a line break or control character ({bad!r}); it would end up"
                " in a mail header, so it is refused"
            )
    check_list(campaign.list_slug)


def check_list(list_slug: str | None) -> None:
    """A campaign goes to one configured mailing list: consent is given per list (STANDARDS D1)."""
    if not SLUG.match(list_slug or ""):
        raise InvalidInput(f"list_slug {list_slug!r} must be lowercase letters, digits and hyphens")
    known = get_settings().mailing_lists
    if list_slug not in known:
        raise InvalidInput(
            f"list_slug {list_slug!r} is not a configured mailing list (NEWSDESK_MAILING_LISTS:"
            f" {', '.join(sorted(known))}); subscribers consent per list"
        )

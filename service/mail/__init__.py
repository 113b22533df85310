"""Message building, DKIM, SMTP transport pool, address tokens (reply+, VERP)."""

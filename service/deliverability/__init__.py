"""Deliverability: the DNS preflight (SPF, DKIM, DMARC, FCrDNS), the STANDARDS checklist and its
tests, the sunset policy."""

"""Deliverability preflight: the SPF, DKIM, DMARC and FCrDNS records the settings need."""

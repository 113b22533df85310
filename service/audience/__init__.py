"""Audience: segments, subscription and consent, preferences, suppression, import, GDPR rights."""

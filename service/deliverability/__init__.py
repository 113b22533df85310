"""Deliverability upkeep: the STANDARDS checklist and its tests, the sunset policy."""

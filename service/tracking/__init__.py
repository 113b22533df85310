"""Signed tokens, link rewriting, machine-open detection."""

"""Test-only helpers (moved out of production code reached only by tests)."""

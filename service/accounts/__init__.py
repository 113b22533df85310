"""Newsroom accounts: users, passwords, roles, sessions, login throttling, TOTP, API tokens."""

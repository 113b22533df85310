"""Newsdesk: newsletter and mailing automation for a research partnership."""

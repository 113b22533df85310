"""Intake: receive raw mail (SMTP, IMAP, HTTP webhook) and store it before saying yes."""

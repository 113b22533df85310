"""The demo: a full campaign on embedded defaults (SQLite, filesystem broker, Maildir capture)."""

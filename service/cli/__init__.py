"""The `newsdesk` command line (`newsdesk = "service.cli:app"`)."""

from service.cli.main import app

__all__ = ["app"]

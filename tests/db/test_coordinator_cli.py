"""`newsdesk coordinator add|list`: the address is validated like a subscriber's."""

from __future__ import annotations

from sqlmodel import Session, select

from service.models import Coordinator
from tests.db.test_lint_report import _newsdesk


def test_coordinator_address_is_checked_by_the_cli(session: Session) -> None:
    refused = _newsdesk("coordinator", "add", "Doctoral office", "not-an-email")
    assert refused.returncode == 1  # a user error (cli.support.USER_ERROR)
    assert "invalid email address 'not-an-email'" in refused.stdout + refused.stderr
    assert session.exec(select(Coordinator)).first() is None
    added = _newsdesk("coordinator", "add", "Büro für Forschungsaufenthalte",
                      "Stays@Partnership.Example.ORG", "--language", "de")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "<stays@partnership.example.org>" in added.stdout
    listed = _newsdesk("coordinator", "list")
    assert "Büro für Forschungsaufenthalte" in listed.stdout
    bad_language = _newsdesk("coordinator", "add", "Office", "o@example.org", "--language", "fr")
    assert bad_language.returncode == 1

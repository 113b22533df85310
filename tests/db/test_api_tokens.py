"""Per-user API tokens: hashed at rest, scoped, narrowed by role, accepted by the JSON API."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.accounts import tokens, users
from service.accounts.errors import FormProblem
from service.api.app import create_app
from service.api.deps import api_action
from service.models import ApiToken, User
from service.settings import reset_settings

ADMIN_TOKEN = "operator-admin-token-0123456789"


def _user(session: Session, role: str) -> User:
    user = users.create_user(
        session,
        email=f"{role}@example.org",
        display_name=role,
        role=role,
        password="a long enough password",
    )
    session.commit()
    return user


def test_tokens_are_stored_as_sha256_and_revocable(session: Session) -> None:
    user = _user(session, "editor")
    row, raw = tokens.issue_token(session, user=user, name="export", scopes=["campaign.read"])
    session.commit()
    stored = session.exec(select(ApiToken)).one()
    assert (
        stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        and raw not in stored.token_hash
    )
    found = tokens.authenticate_token(session, raw=raw)
    assert found is not None and found.may("campaign.read") and not found.may("campaign.write")
    assert stored.last_used_at is not None
    assert tokens.authenticate_token(session, raw=raw + "x") is None
    assert row.id is not None
    tokens.revoke_token(session, token_id=row.id, user=user)
    assert tokens.authenticate_token(session, raw=raw) is None


def test_unknown_or_empty_scopes_are_refused(session: Session) -> None:
    user = _user(session, "editor")
    for scopes in ([], ["root"]):
        with pytest.raises(FormProblem):
            tokens.issue_token(session, user=user, name="x", scopes=scopes)


def test_a_demoted_owner_narrows_the_token_at_once(session: Session) -> None:
    user = _user(session, "approver")
    _user(session, "admin")
    _, raw = tokens.issue_token(session, user=user, name="scheduler", scopes=["campaign.schedule"])
    assert tokens.authenticate_token(session, raw=raw).may("campaign.schedule")  # type: ignore[union-attr]
    assert user.id is not None
    users.set_role(session, user_id=user.id, role="viewer")
    assert not tokens.authenticate_token(session, raw=raw).may("campaign.schedule")  # type: ignore[union-attr]
    users.set_disabled(session, user_id=user.id)
    assert tokens.authenticate_token(session, raw=raw) is None


def test_routes_map_to_actions() -> None:
    assert api_action("POST", "/api/campaigns/3/schedule") == "campaign.schedule"
    assert api_action("GET", "/api/campaigns/3") == "campaign.read"
    assert api_action("PATCH", "/api/campaigns/3") == "campaign.write"
    assert api_action("POST", "/api/announcements/3/approve") == "announcement.approve"
    assert api_action("GET", "/api/subscribers") == "audience.read"
    assert api_action("POST", "/api/audience/subscribers/4/erase") == "audience.write"
    assert api_action("GET", "/api/inquiries") == "inquiry.answer_all"
    assert api_action("GET", "/api/something-new") == "user.manage"


@pytest.fixture
def client(session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("NEWSDESK_ADMIN_TOKEN", ADMIN_TOKEN)
    reset_settings()
    with TestClient(create_app()) as test_client:
        yield test_client
    reset_settings()


def test_the_json_api_takes_user_tokens_next_to_the_admin_token(
    session: Session, client: TestClient
) -> None:
    viewer = _user(session, "viewer")
    _, read_only = tokens.issue_token(
        session, user=viewer, name="dashboards", scopes=["campaign.read"]
    )
    session.commit()
    assert client.get("/api/campaigns").status_code == 401
    assert (
        client.get("/api/campaigns", headers={"Authorization": "Bearer wrong"}).status_code == 401
    )
    assert (
        client.get("/api/campaigns", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code
        == 200
    )
    bearer = {"Authorization": f"Bearer {read_only}"}
    assert client.get("/api/campaigns", headers=bearer).status_code == 200
    refused = client.post("/api/campaigns", json={"name": "x"}, headers=bearer)
    assert refused.status_code == 403 and "campaign.write" in refused.json()["detail"]
    assert client.get("/api/coordinators", headers=bearer).status_code == 403  # not in scope
    revoked = client.get("/api/campaigns", headers={"Authorization": "Bearer ndt_forged"})
    assert revoked.status_code == 401

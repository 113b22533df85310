"""OIDC single sign-on (authorization code flow) by settings; accounts stay admin-managed.

The IdP proves who someone is; the newsroom still decides what they may do: only an existing,
enabled user whose address matches the ID token's verified email logs in (no auto-creation).
Authorize URLs are built with Authlib, ID tokens are verified with joserfc (Authlib's JOSE
successor): RS256/ES256 signature from the IdP's JWKS, iss, aud, exp, and our nonce.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlmodel import Session

from service.accounts.errors import N_, LoginRefused
from service.accounts.users import find_user
from service.models import User
from service.settings import Settings

NO_ACCOUNT = N_("There is no newsroom account for this login. Ask an administrator.")
FAILED = N_("The single sign-on did not work. Try again or log in with your password.")


def enabled(settings: Settings) -> bool:
    """True when issuer and client id are configured."""
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _check_issuer(issuer: str) -> str:
    """https only, except an IdP on this machine (tests, a local Keycloak)."""
    parts = urlsplit(issuer)
    if parts.scheme != "https" and parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError(f"NEWSDESK_OIDC_ISSUER must be https://, got {issuer!r}")
    return issuer.rstrip("/")


@lru_cache(maxsize=4)
def _discovery(issuer: str) -> dict[str, Any]:
    """The IdP's metadata, fetched once per process."""
    answer = httpx.get(f"{_check_issuer(issuer)}/.well-known/openid-configuration", timeout=10)
    answer.raise_for_status()
    meta: dict[str, Any] = answer.json()
    return meta


@dataclass(frozen=True)
class Start:
    """Where to send the browser, and what the callback must find again."""

    url: str
    state: str
    nonce: str


def start(settings: Settings, *, redirect_uri: str) -> Start:
    """An authorize URL with a fresh state (CSRF of the flow) and nonce (replay of the token)."""
    assert settings.oidc_issuer and settings.oidc_client_id
    try:
        meta = _discovery(settings.oidc_issuer)
    except (httpx.HTTPError, ValueError) as exc:  # IdP down or misconfigured: say so, no 500
        raise LoginRefused(FAILED) from exc
    state, nonce = generate_token(32), generate_token(32)
    url = prepare_grant_uri(
        meta["authorization_endpoint"], settings.oidc_client_id, "code",
        redirect_uri=redirect_uri, scope="openid email profile", state=state, nonce=nonce,
    )  # fmt: skip
    return Start(url, state, nonce)


def _id_token_claims(
    settings: Settings, *, code: str, redirect_uri: str, nonce: str
) -> dict[str, Any]:
    """Exchange the code and verify the ID token; raises LoginRefused(FAILED) on any doubt."""
    assert settings.oidc_issuer and settings.oidc_client_id
    meta = _discovery(settings.oidc_issuer)
    try:
        answer = httpx.post(
            meta["token_endpoint"],
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            auth=(settings.oidc_client_id, settings.oidc_client_secret or ""),
            timeout=10,
        )
        answer.raise_for_status()
        keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"], timeout=10).json())
        token = jwt.decode(answer.json()["id_token"], keys, algorithms=["RS256", "ES256"])
        jwt.JWTClaimsRegistry(
            now=int(time.time()),
            leeway=60,
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": settings.oidc_client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (httpx.HTTPError, KeyError, ValueError, JoseError) as exc:
        raise LoginRefused(FAILED) from exc
    return dict(token.claims)


def finish(
    session: Session, settings: Settings, *, code: str, redirect_uri: str, nonce: str
) -> User:
    """The newsroom user the IdP vouched for (verified email of an enabled account)."""
    claims = _id_token_claims(settings, code=code, redirect_uri=redirect_uri, nonce=nonce)
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        raise LoginRefused(NO_ACCOUNT)
    user = find_user(session, email=email)
    if user is None or user.disabled:
        raise LoginRefused(NO_ACCOUNT)
    return user

"""OIDC configuration: off unless issuer and client id are set; the issuer must be https."""

from __future__ import annotations

import pytest

from service.accounts import oidc
from service.accounts.errors import LoginRefused
from service.settings import Settings


def test_off_until_configured_and_https_only() -> None:
    assert not oidc.enabled(Settings(oidc_issuer="https://idp.example.edu"))
    assert oidc.enabled(Settings(oidc_issuer="https://idp.example.edu", oidc_client_id="x"))
    assert (
        oidc._check_issuer("https://idp.example.edu/realms/u/")
        == "https://idp.example.edu/realms/u"
    )
    assert oidc._check_issuer("http://127.0.0.1:9000") == "http://127.0.0.1:9000"
    with pytest.raises(ValueError, match="https"):
        oidc._check_issuer("http://idp.example.edu")


def test_an_unreachable_provider_is_a_clear_refusal_not_a_crash() -> None:
    settings = Settings(oidc_issuer="http://127.0.0.1:9", oidc_client_id="x")  # discard port
    with pytest.raises(LoginRefused) as caught:
        oidc.start(settings, redirect_uri="http://127.0.0.1/cb")
    assert caught.value.message == oidc.FAILED

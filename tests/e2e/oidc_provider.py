"""A small OpenID provider on loopback for the SSO tests: discovery, authorize, token, JWKS.

It signs RS256 ID tokens with a key made per test session and logs in whichever identity the
test put in `next_identity` (the IdP's own login screen is not ours to test). It checks the
client's secret, the redirect URI and one-time codes like a real provider.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "newsroom-tests"
CLIENT_SECRET = "idp-secret-0123456789"


class Provider:
    """The running IdP."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.next_identity: dict[str, Any] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def id_token(self, grant: dict[str, Any]) -> str:
        """A signed ID token for a redeemed code."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": grant["identity"]["email"]}
        claims |= {"iat": now, "exp": now + 300, "nonce": grant["nonce"], **grant["identity"]}
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            return

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                return self._json(200, provider.metadata())
            if url.path == "/jwks":
                return self._json(200, {"keys": [provider.key.as_dict(private=False)]})
            if url.path == "/authorize":
                return self._authorize({k: v[0] for k, v in parse_qs(url.query).items()})
            return self._json(404, {"error": "not_found"})

        def _authorize(self, q: dict[str, str]) -> None:
            if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
                return self._json(400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(16)
            provider.codes[code] = {"redirect_uri": q["redirect_uri"], "nonce": q.get("nonce", ""),
                                    "identity": dict(provider.next_identity)}  # fmt: skip
            self.send_response(302)
            self.send_header(
                "Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
            )
            self.end_headers()

        def do_POST(self) -> None:
            form = {
                k: v[0]
                for k, v in parse_qs(
                    self.rfile.read(int(self.headers["Content-Length"])).decode()
                ).items()
            }
            basic = base64.b64decode(
                self.headers.get("Authorization", "Basic ").split()[1] or b""
            ).decode()
            grant = provider.codes.pop(form.get("code", ""), None)  # one use only
            if basic != f"{CLIENT_ID}:{CLIENT_SECRET}" or grant is None:
                return self._json(400, {"error": "invalid_grant"})
            if form.get("redirect_uri") != grant["redirect_uri"]:
                return self._json(400, {"error": "invalid_grant"})
            self._json(
                200,
                {
                    "access_token": "at",
                    "token_type": "Bearer",
                    "id_token": provider.id_token(grant),
                },
            )

    return Handler

"""A small but real OpenID Connect provider on the loopback, for the sign-in tests.

It speaks the authorization-code flow as a clinic's identity provider would: discovery
(/.well-known/openid-configuration), /authorize (redirects back with a one-time code, checking
the client, the return address and the PKCE challenge), /token (checks the client's secret and
the PKCE verifier, answers an RS256-signed ID token with iss, aud, sub, exp, iat and the nonce
if one was sent), /userinfo (for the access token) and /jwks (its public key). It has no sign-in
page of its own: whoever the test puts in `identity` is the person who signed in there.
"""

import base64
import hashlib
import json
import runpy
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_ID = "clinic-idp-key-1"
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
OIDC_ENV = (
    "OIDC_PROVIDER_ID",
    "OIDC_PROVIDER_NAME",
    "OIDC_SERVER_URL",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
)


def settings_from_env(monkeypatch, **env) -> dict:
    """config/settings.py as it reads with only these OIDC_* variables in the environment: how
    the tests configure the portal for the provider exactly as an operator would."""
    for name in OIDC_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def new_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class LoopbackOidcProvider:
    """Run with `with LoopbackOidcProvider(...) as idp:`; `idp.issuer` is its server URL."""

    def __init__(self, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = new_signing_key()
        # What the next ID token is signed with; a test sets another key to forge one.
        self.signing_key = self.key
        # The claims of whoever signs in at /authorize next (sub, email, email_verified, ...).
        self.identity: dict = {}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> "LoopbackOidcProvider":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what each endpoint answers --------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [public | {"kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict) -> tuple[int, dict]:
        """A redirect back to the client with a code, or 400 with the reason."""
        if query.get("client_id") != self.client_id:
            return 400, {"error": "unauthorized_client"}
        if query.get("response_type") != "code":
            return 400, {"error": "unsupported_response_type"}
        if "openid" not in query.get("scope", "").split():
            return 400, {"error": "invalid_scope"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {"error": "invalid_request", "error_description": "PKCE is required"}
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "identity": dict(self.identity),
            "redirect_uri": query["redirect_uri"],
            "code_challenge": query["code_challenge"],
            "nonce": query.get("nonce"),
        }
        back = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}

    def token(self, form: dict, basic_auth: str | None) -> tuple[int, dict]:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if basic_auth:
            client_id, _, client_secret = base64.b64decode(basic_auth).decode().partition(":")
        self.token_requests.append({"client_id": client_id, "form": form})
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier differs"}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            **grant["identity"],
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": KEY_ID})
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant["identity"]
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        scheme, _, token = authorization.partition(" ")
        identity = self.access_tokens.get(token) if scheme == "Bearer" else None
        if identity is None:
            return 401, {"error": "invalid_token"}
        return 200, identity

    def _handler_class(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = {name: values[0] for name, values in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._answer(200, provider.discovery())
                elif url.path == "/jwks":
                    self._answer(200, provider.jwks())
                elif url.path == "/authorize":
                    self._answer(*provider.authorize(query))
                elif url.path == "/userinfo":
                    self._answer(*provider.userinfo(self.headers.get("Authorization", "")))
                else:
                    self._answer(404, {"error": "not_found"})

            def do_POST(self):
                if urlsplit(self.path).path != "/token":
                    self._answer(404, {"error": "not_found"})
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {name: values[0] for name, values in parse_qs(body).items()}
                basic = self.headers.get("Authorization", "")
                basic = basic.removeprefix("Basic ") if basic.startswith("Basic ") else None
                self._answer(*provider.token(form, basic))

            def _answer(self, status: int, body: dict) -> None:
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", body["Location"])
                    self.end_headers()
                    return
                payload = json.dumps(body).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):
                pass  # keep the test output to the tests' own

        return Handler

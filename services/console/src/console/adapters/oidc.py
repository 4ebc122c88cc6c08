"""The console as an OpenID Connect relying party of the programme's identity provider.

The authorization code flow with PKCE (RFC 7636), `state` and `nonce`; the ID token checked for
its issuer, audience (this client), expiry, nonce and signature by the provider's JWKS; the
access token (what the services verify) refreshed with the refresh token; the provider's
end-session endpoint on sign-out. The protocol's pieces are Authlib's (the PKCE challenge, the
authorization request, the callback's checks, the ID token's claim rules) and its JOSE library
joserfc; the HTTP calls go through the console's own httpx client.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import MismatchingStateException, MissingCodeException
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_grant_uri,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from console.adapters.api import ServiceApi
from console.config import Settings
from megp_common.refusals import Unauthorized

#: clock skew tolerated on the ID token's times, as the services do on access tokens
LEEWAY_S = 30
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]


class SignInRefused(Unauthorized):
    """The provider's answer cannot sign anyone in (a forged callback, a bad ID token, the
    provider away...); the routes say it in plain words, anywhere else it sends to sign-in."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Provider:
    """What the provider's discovery document says (OpenID Connect Discovery 1.0)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


@dataclass(frozen=True, slots=True)
class Pending:
    """A sign-in under way, kept in a short-lived signed cookie until the provider answers."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str = "/"

    def dump(self) -> dict[str, str]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
            "redirect_uri": self.redirect_uri,
            "next_path": self.next_path,
        }

    @classmethod
    def load(cls, data: object) -> Pending | None:
        if not isinstance(data, dict):
            return None
        fields = ("state", "nonce", "code_verifier", "redirect_uri", "next_path")
        if not all(isinstance(data.get(f), str) for f in fields):
            return None
        return cls(**{f: data[f] for f in fields})


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: float
    id_token: str | None = None  # after a sign-in: the hint for the provider's end-session


class OidcClient:
    def __init__(
        self,
        issuer_url: str,
        client_id: str,
        client_secret: str | None,
        http: httpx.AsyncClient,
        scopes: str = "openid",
    ) -> None:
        self.issuer_url = issuer_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.http = http
        self.scopes = scopes
        self._provider: Provider | None = None
        self._keys: KeySet | None = None

    async def provider(self) -> Provider:
        if self._provider is None:
            url = f"{self.issuer_url}/.well-known/openid-configuration"
            document = await self._get_json(url)
            issuer = document.get("issuer")
            if issuer != self.issuer_url:
                # OpenID Connect Discovery §4.3: the document must name the issuer asked for
                raise SignInRefused(f"the provider names itself {issuer!r}, not {self.issuer_url}")
            try:
                self._provider = Provider(
                    issuer=issuer,
                    authorization_endpoint=str(document["authorization_endpoint"]),
                    token_endpoint=str(document["token_endpoint"]),
                    jwks_uri=str(document["jwks_uri"]),
                    end_session_endpoint=document.get("end_session_endpoint"),
                )
            except KeyError as missing:
                raise SignInRefused(f"the discovery document has no {missing}") from None
        return self._provider

    async def begin(self, redirect_uri: str, next_path: str = "/") -> tuple[str, Pending]:
        """The provider's authorization URL to send the browser to, and what to keep meanwhile."""
        provider = await self.provider()
        pending = Pending(
            state=generate_token(32),
            nonce=generate_token(32),
            code_verifier=generate_token(64),
            redirect_uri=redirect_uri,
            next_path=next_path,
        )
        url = prepare_grant_uri(
            provider.authorization_endpoint,
            self.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=self.scopes,
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.code_verifier),
            code_challenge_method="S256",
        )
        return str(url), pending

    async def finish(self, pending: Pending, callback_url: str) -> Tokens:
        """Check the callback against the pending sign-in, exchange its code, check the ID
        token; the tokens, whose access token the caller still verifies as the services do."""
        try:
            answer = parse_authorization_code_response(callback_url, state=pending.state)
        except MismatchingStateException:
            raise SignInRefused("the answer's state is not this browser's sign-in") from None
        except MissingCodeException:
            raise SignInRefused("the provider's answer carries no code") from None
        provider = await self.provider()
        tokens = await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": answer["code"],
                "redirect_uri": pending.redirect_uri,
                "code_verifier": pending.code_verifier,
            }
        )
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("the provider answered with no ID token")
        await self._check_id_token(provider, id_token, pending.nonce, tokens["access_token"])
        return dataclasses.replace(_tokens(tokens, None), id_token=id_token)

    async def refresh(self, refresh_token: str) -> Tokens:
        """New tokens for a session whose access token is about to expire."""
        answer = await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        return _tokens(answer, refresh_token)

    async def end_session_url(
        self, post_logout_redirect_uri: str, id_token_hint: str | None = None
    ) -> str | None:
        """Where to send the browser to end the provider's session too (RP-initiated logout
        1.0), or None when the provider does not say it can; with the ID token the sign-in
        received as the hint of whose session it is, where the console still has it."""
        try:
            provider = await self.provider()
        except (SignInRefused, httpx.HTTPError):
            return None
        if not provider.end_session_endpoint:
            return None
        asked = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            asked["id_token_hint"] = id_token_hint
        query = urlencode(asked)
        return f"{provider.end_session_endpoint}?{query}"

    async def _check_id_token(
        self, provider: Provider, id_token: str, nonce: str, access_token: object
    ) -> None:
        try:
            decoded = jwt.decode(id_token, await self._key_set(provider), ID_TOKEN_ALGORITHMS)
        except JoseError:
            # a key the provider rotated in since the keys were read: read them once more
            self._keys = None
            try:
                decoded = jwt.decode(id_token, await self._key_set(provider), ID_TOKEN_ALGORITHMS)
            except JoseError as exc:
                reason = f"the ID token's signature is not the provider's: {exc}"
                raise SignInRefused(reason) from None
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            options={
                "iss": {"essential": True, "value": provider.issuer},
                "aud": {"essential": True, "value": self.client_id},
            },
            params={"nonce": nonce, "client_id": self.client_id, "access_token": access_token},
        )
        try:
            claims.validate(now=int(time.time()), leeway=LEEWAY_S)
        except JoseError as exc:
            raise SignInRefused(f"the ID token is not valid: {exc}") from None

    async def _key_set(self, provider: Provider) -> KeySet:
        if self._keys is None:
            self._keys = KeySet.import_key_set(await self._get_json(provider.jwks_uri))  # type: ignore[arg-type]
        return self._keys

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        provider = await self.provider()
        try:
            if self.client_secret:  # client_secret_basic
                answer = await self.http.post(
                    provider.token_endpoint,
                    data=form,
                    auth=httpx.BasicAuth(self.client_id, self.client_secret),
                )
            else:  # a public client: PKCE alone
                answer = await self.http.post(
                    provider.token_endpoint, data={**form, "client_id": self.client_id}
                )
        except httpx.HTTPError as exc:
            raise SignInRefused(f"the provider could not be reached: {exc}") from None
        body = _json(answer)
        if answer.status_code != 200 or not isinstance(body.get("access_token"), str):
            error = body.get("error") or f"HTTP {answer.status_code}"
            raise SignInRefused(f"the provider refused the token request: {error}")
        return body

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            answer = await self.http.get(url)
        except httpx.HTTPError as exc:
            raise SignInRefused(f"the provider could not be reached: {exc}") from None
        if answer.status_code != 200:
            raise SignInRefused(f"the provider answered {answer.status_code} for {url}")
        return _json(answer)


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _tokens(answer: dict[str, Any], previous_refresh_token: str | None) -> Tokens:
    expires_in = answer.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, int | float) else 300.0
    refresh_token = answer.get("refresh_token")
    return Tokens(
        access_token=str(answer["access_token"]),
        refresh_token=refresh_token if isinstance(refresh_token, str) else previous_refresh_token,
        expires_at=time.time() + lifetime,
    )


def oidc_client(settings: Settings, api: ServiceApi) -> OidcClient | None:
    """The provider's client where `OIDC_ISSUER_URL` names one (its client id required)."""
    if not settings.oidc_issuer_url:
        return None
    if not settings.oidc_client_id:
        raise RuntimeError("OIDC_ISSUER_URL needs OIDC_CLIENT_ID")
    secret_file = settings.oidc_client_secret_file
    secret = secret_file.read_text().strip() if secret_file else None
    return OidcClient(
        settings.oidc_issuer_url, settings.oidc_client_id, secret, api.client, settings.oidc_scopes
    )

"""Bearer JWT verification, development token minting and the local signing secret."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jwt
import structlog

from megp_common.auth.principal import Principal, Role, parse_states
from megp_common.errors import Unauthorized
from megp_common.ids import new_id

HMAC_ALGORITHMS: Final = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
#: RFC 7518 §3.2: an HMAC key at least as long as the hash output.
MIN_SECRET_BYTES: Final = {"HS256": 32, "HS384": 48, "HS512": 64}
_RESERVED_CLAIMS: Final = frozenset({"iss", "aud", "sub", "iat", "exp", "jti", "roles", "states"})
_INVALID_TOKEN: Final = 'Bearer error="invalid_token"'

_log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """HS* with ``secret`` for local development; RS/ES/PS with a PEM key or JWKS in production."""

    issuer: str = "megp-local"
    audience: str = "megp"
    algorithm: str = "HS256"
    secret: str | None = None
    public_key_pem: str | None = None
    jwks_url: str | None = None
    leeway_seconds: int = 30


def _check_secret(secret: str | None, algorithm: str) -> str:
    if not secret:
        raise ValueError("an HMAC algorithm needs AuthConfig.secret")
    if len(secret.encode()) < MIN_SECRET_BYTES[algorithm]:
        raise ValueError(
            f"a {algorithm} secret must be at least {MIN_SECRET_BYTES[algorithm]} bytes"
        )
    return secret


def _rejected(detail: str) -> Unauthorized:
    return Unauthorized(detail, www_authenticate=_INVALID_TOKEN)


def _describe(exc: jwt.PyJWTError) -> str:
    # Order matters: several of these are subclasses of one another.
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "token has expired"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "token is not valid yet"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "token audience is not accepted"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "token issuer is not accepted"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"token is missing the '{exc.claim}' claim"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "token algorithm is not accepted"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "token signature is invalid"
    if isinstance(exc, jwt.DecodeError):
        return "token is malformed"
    if isinstance(exc, jwt.PyJWKClientError):
        return "token signing key could not be obtained"
    return "token is invalid"


def _string_list(claims: Mapping[str, Any], name: str) -> list[str]:
    value = claims.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _rejected(f"token claim '{name}' must be a list of strings")
    return value


def _optional_string(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is not None and not isinstance(value, str):
        raise _rejected(f"token claim '{name}' must be a string")
    return value


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Build a Principal from already verified claims.

    Unknown role names are ignored rather than refused, so a role added at the identity provider
    does not lock callers out of services that do not know it yet; it simply grants nothing.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise _rejected("token claim 'sub' must be a non-empty string")
    for name in ("roles", "states"):
        if name not in claims:
            raise _rejected(f"token is missing the '{name}' claim")
    known = {role.value for role in Role}
    role_names = _string_list(claims, "roles")
    roles = frozenset(Role(name) for name in role_names if name in known)
    if not roles:
        raise _rejected("token grants no recognised role")
    try:
        states = parse_states(_string_list(claims, "states"))
    except ValueError as exc:
        raise _rejected(f"token claim 'states' is invalid: {exc}") from None
    return Principal(
        subject=subject,
        roles=roles,
        states=states,
        participant_id=_optional_string(claims, "participant_id"),
        group_ids=frozenset(_string_list(claims, "group_ids")),
        organization=_optional_string(claims, "organization"),
    )


class _Trust:
    """One issuer the verifier trusts: its expected claims and its keys."""

    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self.jwks: jwt.PyJWKClient | None = None
        self.key: Any = None
        algorithm = config.algorithm
        if algorithm in HMAC_ALGORITHMS:
            self.key = _check_secret(config.secret, algorithm)
        elif algorithm in ASYMMETRIC_ALGORITHMS:
            if config.public_key_pem:
                # Parse once; this also fails early if the key does not suit the algorithm.
                self.key = jwt.get_algorithm_by_name(algorithm).prepare_key(config.public_key_pem)
            elif config.jwks_url:
                self.jwks = jwt.PyJWKClient(config.jwks_url, cache_keys=True)
            else:
                raise ValueError(f"{algorithm} needs AuthConfig.public_key_pem or jwks_url")
        else:
            raise ValueError(f"unsupported JWT algorithm {algorithm!r}")

    def claims(self, token: str) -> dict[str, Any]:
        config = self.config
        key = self.jwks.get_signing_key_from_jwt(token) if self.jwks else self.key
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[config.algorithm],
            audience=config.audience,
            issuer=config.issuer,
            leeway=config.leeway_seconds,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
        return claims


class TokenVerifier:
    """Verifies a bearer token against the issuers it trusts: `config` first, then `also`.

    With several (the identity provider's RS256 tokens and, outside production, the development
    HS256 tokens), the token's unverified `iss` only chooses which issuer's keys, algorithm and
    audience it is checked with; an HS256 token naming the provider as issuer is checked as the
    provider's (RS256) and refused, so one issuer's key never vouches for another's tokens.
    """

    def __init__(self, config: AuthConfig, *also: AuthConfig) -> None:
        issuers = [config.issuer, *(c.issuer for c in also)]
        if len(set(issuers)) != len(issuers):
            raise ValueError(f"each trusted issuer must be named once: {issuers}")
        self._config = config
        self._trusts = {c.issuer: _Trust(c) for c in (config, *also)}

    @property
    def config(self) -> AuthConfig:
        return self._config

    @property
    def issuers(self) -> tuple[str, ...]:
        return tuple(self._trusts)

    @property
    def uses_network(self) -> bool:
        """True when verification may fetch keys over HTTP (call it off the event loop)."""
        return any(trust.jwks is not None for trust in self._trusts.values())

    def _trust_for(self, token: str) -> _Trust:
        if len(self._trusts) == 1:
            return self._trusts[self._config.issuer]
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise _rejected(_describe(exc)) from exc
        trust = self._trusts.get(issuer) if isinstance(issuer, str) else None
        if trust is None:
            _log.info("bearer token rejected", reason="UnknownIssuer")
            raise _rejected("token issuer is not accepted")
        return trust

    def verify(self, token: str) -> Principal:
        if not token:
            raise _rejected("bearer token is empty")
        trust = self._trust_for(token)
        try:
            claims = trust.claims(token)
        except jwt.PyJWTError as exc:
            _log.info("bearer token rejected", reason=type(exc).__name__)
            raise _rejected(_describe(exc)) from exc
        return principal_from_claims(claims)


def _json_claim(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def mint_token(
    config: AuthConfig,
    subject: str,
    roles: Iterable[Role | str],
    states: Iterable[str],
    ttl_seconds: int = 3600,
    **extra_claims: Any,
) -> str:
    """Sign a development token with the shared secret (HS* algorithms only)."""
    if config.algorithm not in HMAC_ALGORITHMS:
        raise ValueError("mint_token signs with the shared secret; use an HS* algorithm")
    secret = _check_secret(config.secret, config.algorithm)
    if not subject:
        raise ValueError("subject must not be empty")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    clashing = _RESERVED_CLAIMS & extra_claims.keys()
    if clashing:
        raise ValueError(f"extra claims may not redefine {sorted(clashing)}")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": subject,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": new_id(),
        "roles": sorted({Role(role).value for role in roles}),
        "states": sorted(parse_states(states)),
    }
    claims.update({name: _json_claim(value) for name, value in extra_claims.items()})
    return jwt.encode(claims, secret, algorithm=config.algorithm)


def local_secret(path: Path) -> str:
    """Read the development signing secret at ``path``, creating it (mode 0600) if missing.

    A new secret is written to a private temporary file and hard-linked into place, so a
    concurrent reader never sees a half-written file and two racing creators agree on one secret.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):  # another process won the race: use its
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    secret = path.read_text(encoding="ascii").strip()
    if not secret:
        raise ValueError(f"signing secret file {path} is empty")
    return secret

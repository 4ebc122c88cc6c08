"""A service trusting the identity provider and, outside production, the development tokens:
each token is checked with its own issuer's key, algorithm and audience, never another's."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from megp_common.app import development_auth_config, token_verifier
from megp_common.auth import AuthConfig, Role, TokenVerifier, mint_token
from megp_common.errors import Unauthorized
from megp_common.settings import ServiceSettings

PROVIDER = "https://idp.example.test/megp"
PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(tmp_path: Path) -> Path:
    path = tmp_path / "provider.pem"
    path.write_bytes(
        PRIVATE.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def _provider_token(**overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": PROVIDER,
        "aud": "megp",
        "sub": "ana",
        "iat": now,
        "exp": now + 600,
        "roles": ["odf_staff"],
        "states": ["09"],
        "organization": "ODF Tlalpan",
    }
    claims.update(overrides)
    return jwt.encode(claims, PRIVATE, algorithm="RS256")


def _settings(tmp_path: Path, **values: Any) -> ServiceSettings:
    return ServiceSettings(
        jwt_issuer=PROVIDER,
        jwt_public_key_file=_public_pem(tmp_path),
        jwt_secret_file=tmp_path / "dev-secret",
        **values,
    )


def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthorized) as caught:
        verifier.verify(token)
    return caught.value.detail


def test_the_provider_and_the_development_tokens_each_verify_as_their_own(tmp_path: Path) -> None:
    settings = _settings(tmp_path, environment="test", jwt_accept_development_tokens=True)
    verifier = token_verifier(settings)
    assert verifier.issuers == (PROVIDER, "megp-local")

    ana = verifier.verify(_provider_token())
    assert (ana.subject, ana.roles, ana.states, ana.organization) == (
        "ana",
        frozenset({Role.ODF_STAFF}),
        frozenset({"09"}),
        "ODF Tlalpan",
    )
    dev = mint_token(development_auth_config(settings), "dev", [Role.DONOR_PORTAL], ["09"])
    assert verifier.verify(dev).roles == frozenset({Role.DONOR_PORTAL})


def test_a_token_is_checked_only_with_its_issuers_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path, environment="test", jwt_accept_development_tokens=True)
    verifier = token_verifier(settings)
    secret = development_auth_config(settings).secret
    assert secret is not None
    # the local key signing a token that names the provider: checked as the provider's (RS256)
    forged = mint_token(AuthConfig(issuer=PROVIDER, secret=secret), "x", ["odf_staff"], ["*"])
    assert _refused(verifier, forged) == "token algorithm is not accepted"
    assert _refused(verifier, _provider_token(iss="https://other.test")) == (
        "token issuer is not accepted"
    )
    assert _refused(verifier, _provider_token(aud="other-app")) == (
        "token audience is not accepted"
    )
    assert _refused(verifier, _provider_token(exp=int(time.time()) - 120)) == ("token has expired")
    head, body, signature = _provider_token().split(".")
    tampered = f"{head}.{body}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    assert _refused(verifier, tampered) == "token signature is invalid"
    assert _refused(verifier, "not-a-token") == "token is malformed"


def test_without_the_setting_only_the_provider_is_trusted(tmp_path: Path) -> None:
    settings = _settings(tmp_path, environment="test")
    verifier = token_verifier(settings)
    assert verifier.issuers == (PROVIDER,)
    dev = mint_token(development_auth_config(settings), "dev", [Role.DONOR_PORTAL], ["09"])
    assert _refused(verifier, dev) == "token algorithm is not accepted"


def test_production_never_accepts_development_tokens(tmp_path: Path) -> None:
    settings = _settings(tmp_path, environment="production", jwt_accept_development_tokens=True)
    with pytest.raises(ValueError, match="never accepted in production"):
        token_verifier(settings)


def test_without_a_provider_the_development_tokens_keep_jwt_issuer(tmp_path: Path) -> None:
    settings = ServiceSettings(jwt_secret_file=tmp_path / "dev-secret", jwt_issuer="megp-dev-x")
    verifier = token_verifier(settings)
    assert verifier.issuers == ("megp-dev-x",)
    token = mint_token(development_auth_config(settings), "dev", [Role.ODF_STAFF], ["09"])
    assert verifier.verify(token).subject == "dev"


def test_one_issuer_is_trusted_once() -> None:
    with pytest.raises(ValueError, match="named once"):
        TokenVerifier(AuthConfig(secret="s" * 48), AuthConfig(secret="t" * 48))

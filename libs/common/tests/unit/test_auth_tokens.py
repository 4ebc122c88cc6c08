from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from megp_common.auth import ALL_STATES, AuthConfig, Principal, Role, TokenVerifier, mint_token
from megp_common.auth import local_secret as read_local_secret
from megp_common.auth.tokens import principal_from_claims
from megp_common.errors import Unauthorized

SECRET = "s" * 48
CONFIG = AuthConfig(secret=SECRET)


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": CONFIG.issuer,
        "aud": CONFIG.audience,
        "sub": "alice",
        "iat": now,
        "exp": now + 600,
        "roles": ["odf_staff"],
        "states": ["09"],
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _rejected(verifier: TokenVerifier, token: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as caught:
        verifier.verify(token)
    assert caught.value.status == 401
    assert caught.value.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    return caught.value


def test_principal_helpers() -> None:
    principal = Principal("bob", frozenset({Role.ODF_STAFF}), frozenset({"09", "15"}))
    assert principal.has_role(Role.ODF_STAFF, Role.PARTICIPANT)
    assert not principal.has_role(Role.PROGRAMME_SUPERVISOR)
    assert principal.can_act_in_state("15") and not principal.can_act_in_state("01")
    national = Principal("sup", frozenset({Role.PROGRAMME_SUPERVISOR}), frozenset({ALL_STATES}))
    assert national.is_national and national.can_act_in_state("32")


def test_mint_and_verify_round_trip() -> None:
    token = mint_token(
        CONFIG,
        "alice",
        [Role.PROGRAMME_SUPERVISOR, "odf_staff"],
        ["09", "15"],
        participant_id="p-1",
        group_ids={"g-2", "g-1"},
        organization="Banco Ejemplo",
    )
    principal = TokenVerifier(CONFIG).verify(token)
    assert principal == Principal(
        subject="alice",
        roles=frozenset({Role.PROGRAMME_SUPERVISOR, Role.ODF_STAFF}),
        states=frozenset({"09", "15"}),
        participant_id="p-1",
        group_ids=frozenset({"g-1", "g-2"}),
        organization="Banco Ejemplo",
    )
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="megp")
    assert claims["group_ids"] == ["g-1", "g-2"]
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"]


def test_mint_validates_input() -> None:
    with pytest.raises(ValueError):
        mint_token(CONFIG, "alice", ["wizard"], ["09"])
    with pytest.raises(ValueError):
        mint_token(CONFIG, "alice", [Role.ODF_STAFF], ["33"])
    with pytest.raises(ValueError):
        mint_token(CONFIG, "alice", [Role.ODF_STAFF], ["09"], exp=0)
    with pytest.raises(ValueError):
        mint_token(CONFIG, "alice", [Role.ODF_STAFF], ["09"], ttl_seconds=0)
    with pytest.raises(ValueError):
        mint_token(AuthConfig(secret="short"), "alice", [Role.ODF_STAFF], ["09"])
    with pytest.raises(ValueError):
        mint_token(AuthConfig(algorithm="RS256", secret=SECRET), "a", [Role.ODF_STAFF], ["09"])


def test_verifier_config_validation() -> None:
    with pytest.raises(ValueError):
        TokenVerifier(AuthConfig())
    with pytest.raises(ValueError):
        TokenVerifier(AuthConfig(algorithm="RS256"))
    with pytest.raises(ValueError):
        TokenVerifier(AuthConfig(algorithm="none", secret=SECRET))
    with pytest.raises(ValueError, match="64 bytes"):
        TokenVerifier(AuthConfig(algorithm="HS512", secret=SECRET))


def test_expired_token_is_rejected() -> None:
    now = int(time.time())
    token = jwt.encode(_claims(iat=now - 3600, exp=now - 120), SECRET, algorithm="HS256")
    assert _rejected(TokenVerifier(CONFIG), token).detail == "token has expired"


def test_leeway_accepts_recently_expired_token() -> None:
    token = jwt.encode(_claims(exp=int(time.time()) - 5), SECRET, algorithm="HS256")
    assert TokenVerifier(CONFIG).verify(token).subject == "alice"


def test_wrong_audience_issuer_and_key_are_rejected() -> None:
    verifier = TokenVerifier(CONFIG)
    other = jwt.encode(_claims(aud="other"), SECRET, algorithm="HS256")
    assert _rejected(verifier, other).detail == "token audience is not accepted"
    foreign = jwt.encode(_claims(iss="evil"), SECRET, algorithm="HS256")
    assert _rejected(verifier, foreign).detail == "token issuer is not accepted"
    forged = jwt.encode(_claims(), "k" * 48, algorithm="HS256")
    assert _rejected(verifier, forged).detail == "token signature is invalid"
    assert _rejected(verifier, "not-a-jwt").detail == "token is malformed"
    assert _rejected(verifier, "").detail == "bearer token is empty"


def test_algorithm_confusion_is_rejected() -> None:
    token = jwt.encode(_claims(), "s" * 64, algorithm="HS512")
    assert _rejected(TokenVerifier(CONFIG), token).detail == "token algorithm is not accepted"


@pytest.mark.parametrize("claim", ["sub", "exp", "roles", "states"])
def test_required_claims(claim: str) -> None:
    token = jwt.encode(_claims(**{claim: None}), SECRET, algorithm="HS256")
    assert _rejected(TokenVerifier(CONFIG), token).detail == f"token is missing the '{claim}' claim"


def test_roles_and_states_parsing() -> None:
    principal = principal_from_claims(_claims(roles=["odf_staff", "future_role"], states=["*"]))
    assert principal.roles == frozenset({Role.ODF_STAFF})
    assert principal.is_national
    assert principal_from_claims(_claims(states=[])).states == frozenset()
    with pytest.raises(Unauthorized, match="no recognised role"):
        principal_from_claims(_claims(roles=["future_role"]))
    with pytest.raises(Unauthorized, match="list of strings"):
        principal_from_claims(_claims(roles="odf_staff"))
    with pytest.raises(Unauthorized, match="states"):
        principal_from_claims(_claims(states=["9"]))
    with pytest.raises(Unauthorized, match="participant_id"):
        principal_from_claims(_claims(participant_id=7))


def _pem(public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def test_rs256_with_public_key_pem() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    config = AuthConfig(algorithm="RS256", public_key_pem=_pem(private.public_key()))
    verifier = TokenVerifier(config)
    assert not verifier.uses_network
    assert verifier.verify(jwt.encode(_claims(), private, algorithm="RS256")).subject == "alice"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(), other, algorithm="RS256")
    assert _rejected(verifier, token).detail == "token signature is invalid"


def test_es256_with_jwks(monkeypatch: pytest.MonkeyPatch) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = jwt.algorithms.ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update(kid="key-1", use="sig", alg="ES256")
    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", lambda self: {"keys": [jwk]})
    verifier = TokenVerifier(AuthConfig(algorithm="ES256", jwks_url="https://idp.test/jwks"))
    assert verifier.uses_network
    token = jwt.encode(_claims(), private, algorithm="ES256", headers={"kid": "key-1"})
    assert verifier.verify(token).subject == "alice"
    unknown = jwt.encode(_claims(), private, algorithm="ES256", headers={"kid": "key-2"})
    assert _rejected(verifier, unknown).detail == "token signing key could not be obtained"


def test_local_secret_is_created_once_with_private_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / ".local" / "dev-jwt-secret"
    secret = read_local_secret(path)
    assert len(secret) >= 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_local_secret(path) == secret
    assert list(path.parent.iterdir()) == [path]
    TokenVerifier(AuthConfig(secret=secret))


def test_local_secret_refuses_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("\n")
    with pytest.raises(ValueError):
        read_local_secret(path)

"""The identity provider of the tests: a real OpenID Connect provider (deploy/local/idp.sh runs
NAV's mock-oauth2-server), started if it is not running and stopped afterwards if started here.

The test platform's services trust it (`JWT_ISSUER`, `JWT_JWKS_URL`) and, as a non-production
platform asked to, the development tokens the harness seeds with (`JWT_ACCEPT_DEVELOPMENT_TOKENS`).
A provider that cannot start is a failure, never a skip."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from megp_common.settings import REPO_ROOT

SCRIPT = REPO_ROOT / "deploy" / "local" / "idp.sh"


@dataclass(frozen=True)
class IdentityProvider:
    issuer: str

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"

    def trusted_by_services(self) -> dict[str, str]:
        """What a non-production service needs to accept this provider's tokens and the
        development ones."""
        return {
            "JWT_ISSUER": self.issuer,
            "JWT_JWKS_URL": self.jwks_url,
            "JWT_ACCEPT_DEVELOPMENT_TOKENS": "true",
        }


def _script(action: str, *, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), action], text=True, capture_output=True, check=check)


@contextmanager
def provide_identity_provider() -> Iterator[IdentityProvider]:
    already = _script("status").returncode == 0
    if not already:
        started = subprocess.run([str(SCRIPT), "start"], text=True)
        if started.returncode != 0:
            raise RuntimeError("deploy/local/idp.sh start failed (see .local/logs/idp)")
    try:
        yield IdentityProvider(_script("issuer", check=True).stdout.strip())
    finally:
        if not already:
            _script("stop")

"""Settings of the console (environment variables override every default)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from megp_common.settings import REPO_ROOT, SERVICES, ServiceSettings

#: the services whose public APIs the console reads and writes through
API_SERVICES = ("enrollment", "funds", "credit", "trade", "ip-counsel")


class Settings(ServiceSettings):
    service_name: str = "console"
    http_port: int = 8008
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description='Base URL per service (JSON: {"enrollment": "http://enrollment:8001"}); '
        "a service not named is on 127.0.0.1 at its port plus MEGP_PORT_OFFSET",
    )
    service_timeout_s: float = Field(default=15.0, gt=0)
    session_secret_file: Path = REPO_ROOT / ".local" / "console-session-secret"
    session_max_age_s: int = Field(default=8 * 3600, gt=0)
    token_ttl_s: int = Field(default=8 * 3600, gt=0)
    development_sign_in: bool = Field(
        default=True, description="Offer the pick-a-role sign-in (never in production)"
    )
    # production sign-in (docs: services/console/README.md, "Signing in")
    oidc_issuer_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret_file: Path | None = None
    oidc_scopes: str = "openid"
    # renew the access token this long before it expires (with the refresh token; else the
    # person signs in again)
    oidc_refresh_margin_s: float = Field(default=60.0, ge=0)
    public_url: str | None = Field(
        default=None,
        description="The console's address as browsers reach it (the provider sends them back "
        "to <public_url>/sign-in/callback); else the request's own",
    )
    default_locale: str = "es_MX"

    def url_of(self, service: str) -> str:
        if service in self.service_urls:
            return self.service_urls[service].rstrip("/")
        offset = int(os.environ.get("MEGP_PORT_OFFSET", "0"))
        return f"http://127.0.0.1:{SERVICES[service] + offset}"

    @property
    def offers_development_sign_in(self) -> bool:
        return self.development_sign_in and not self.production

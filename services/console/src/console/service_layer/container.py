"""`Services`: what the console's screens work with, built once in bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from console.adapters.api import ServiceApi
from console.adapters.oidc import OidcClient
from console.adapters.sessions import SessionCodec
from console.config import Settings
from megp_common.auth import TokenVerifier


@dataclass
class Services:
    settings: Settings
    api: ServiceApi
    sessions: SessionCodec
    verifier: TokenVerifier
    #: the identity provider's client, where the console signs people in through it
    oidc: OidcClient | None = None

"""Tokens: verified with the keys the services trust; minted, in development only, with the
local signing secret (as `megp-token` and the test harness do)."""

from __future__ import annotations

import uuid

from console.config import Settings
from console.domain.rights import Person
from megp_common.app import development_auth_config, token_verifier
from megp_common.auth import TokenVerifier, mint_token


def verifier(settings: Settings) -> TokenVerifier:
    return token_verifier(settings)


def person_of(verifier: TokenVerifier, token: str) -> Person:
    """The person a token names; megp_common's Unauthorized when it is not (any longer) valid."""
    principal = verifier.verify(token)
    return Person(
        subject=principal.subject,
        roles=principal.role_names(),
        states=principal.states,
        participant_id=principal.participant_id,
        group_ids=principal.group_ids,
        organization=principal.organization,
    )


def mint_development_token(
    settings: Settings,
    role: str,
    state: str,
    *,
    participant_id: str | None = None,
    group_ids: list[str] | None = None,
    organization: str | None = None,
    subject: str | None = None,
) -> str:
    config = development_auth_config(settings)
    claims: dict[str, object] = {}
    if participant_id:
        claims["participant_id"] = participant_id
    if group_ids:
        claims["group_ids"] = sorted(set(group_ids))
    if organization:
        claims["organization"] = organization
    # a counsellor is known by the subject the programme registered (ip-counsel); others get one
    subject = subject or f"console-{role}-{participant_id or uuid.uuid4().hex[:12]}"
    return mint_token(config, subject, [role], [state], ttl_seconds=settings.token_ttl_s, **claims)

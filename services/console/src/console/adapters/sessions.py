"""Sessions: a signed, timed cookie holding the person's bearer token and nothing else the
console must keep. No session store: a console process restarted, or a second one behind the
same balancer, reads the same cookie with the same secret."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "megp_console"
LANG_COOKIE = "megp_lang"


@dataclass(frozen=True, slots=True)
class Session:
    """The bearer token; after a sign-in through the identity provider also its refresh token
    and when the access token expires (epoch seconds), so it is renewed before it runs out."""

    token: str
    refresh_token: str | None = None
    expires_at: float | None = None


def session_secret(path: Path, *, create: bool) -> str:
    """The signing secret in `path`, made on first use where `create` (development); production
    mounts it, and a missing one stops the console at start rather than signing with a guess."""
    if path.exists():
        return path.read_text().strip()
    if not create:
        raise RuntimeError(f"the session secret {path} is missing (SESSION_SECRET_FILE)")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


class SessionCodec:
    def __init__(self, secret: str, max_age_s: int) -> None:
        self.secret = secret
        self.signer = URLSafeTimedSerializer(secret, salt="megp-console-session")
        self.max_age_s = max_age_s

    def dump(self, session: Session) -> str:
        data: dict[str, object] = {"token": session.token}
        if session.refresh_token:
            data["refresh_token"] = session.refresh_token
        if session.expires_at is not None:
            data["expires_at"] = session.expires_at
        return self.signer.dumps(data)

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self.signer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            return None
        refresh_token = data.get("refresh_token")
        expires_at = data.get("expires_at")
        return Session(
            data["token"],
            refresh_token if isinstance(refresh_token, str) else None,
            float(expires_at) if isinstance(expires_at, int | float) else None,
        )

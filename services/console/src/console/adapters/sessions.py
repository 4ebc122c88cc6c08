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
    token: str


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
        self.signer = URLSafeTimedSerializer(secret, salt="megp-console-session")
        self.max_age_s = max_age_s

    def dump(self, session: Session) -> str:
        return self.signer.dumps({"token": session.token})

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self.signer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:
            return None
        token = data.get("token") if isinstance(data, dict) else None
        return Session(token) if isinstance(token, str) else None

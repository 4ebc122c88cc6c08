"""Sessions: an encrypted, timed cookie holding the person's bearer token (and, after a sign-in
through the identity provider, its refresh token) and nothing else the console must keep. No
session store: a console process restarted, or a second one behind the same balancer, reads the
same cookie with the same secret.

The cookie is a Fernet token (the `cryptography` package: AES-128-CBC with an HMAC-SHA256 over
it, and the time it was made), so whoever holds the cookie can neither read the tokens in it nor
change them; the key is derived from `SESSION_SECRET_FILE` by HKDF, apart from the key that
signs the pending sign-in. A cookie that does not decrypt (tampered, made with another secret,
of the old signed-only format) or older than the session's age is no session: sign in again."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

COOKIE = "megp_console"
LANG_COOKIE = "megp_lang"
#: the ID token of a sign-in through the provider, sent only to `/sign-out` (its hint for the
#: provider's end-session); apart from the session so the session's cookie stays small
ID_TOKEN_COOKIE = "megp_console_id"
ID_TOKEN_PATH = "/sign-out"

_KEY_INFO = b"megp-console-session-cookie-v1"


@dataclass(frozen=True, slots=True)
class Session:
    """The bearer token; after a sign-in through the identity provider also its refresh token
    and when the access token expires (epoch seconds), so it is renewed before it runs out."""

    token: str
    refresh_token: str | None = None
    expires_at: float | None = None


def session_secret(path: Path, *, create: bool) -> str:
    """The session secret in `path`, made on first use where `create` (development); production
    mounts it, and a missing one stops the console at start rather than keying with a guess."""
    if path.exists():
        return path.read_text().strip()
    if not create:
        raise RuntimeError(f"the session secret {path} is missing (SESSION_SECRET_FILE)")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def cookie_key(secret: str) -> bytes:
    """The Fernet key (32 bytes, base64) derived from the session secret for the cookie alone."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(derived)


class SessionCodec:
    """A session to a cookie's value and back: encrypted, authenticated and timed."""

    def __init__(self, secret: str, max_age_s: int) -> None:
        self.secret = secret
        self.fernet = Fernet(cookie_key(secret))
        self.max_age_s = max_age_s

    @staticmethod
    def _plain(session: Session) -> bytes:
        data: dict[str, object] = {"token": session.token}
        if session.refresh_token:
            data["refresh_token"] = session.refresh_token
        if session.expires_at is not None:
            data["expires_at"] = session.expires_at
        return json.dumps(data, separators=(",", ":")).encode()

    def dump(self, session: Session) -> str:
        return self.fernet.encrypt(self._plain(session)).decode("ascii")

    def dump_at(self, session: Session, made_at: int) -> str:
        """As `dump`, made at `made_at` (epoch seconds): for tests of the session's age."""
        return self.fernet.encrypt_at_time(self._plain(session), made_at).decode("ascii")

    def seal(self, text: str) -> str:
        """Any other text the console keeps in a cookie (the ID token), encrypted the same way."""
        return self.fernet.encrypt(text.encode()).decode("ascii")

    def unseal(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self.fernet.decrypt(cookie.encode("ascii"), ttl=self.max_age_s).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            plain = self.fernet.decrypt(cookie.encode("ascii"), ttl=self.max_age_s)
            data = json.loads(plain)
        except (InvalidToken, UnicodeEncodeError, ValueError):
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

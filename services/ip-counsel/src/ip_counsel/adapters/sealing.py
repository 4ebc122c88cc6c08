"""Envelope encryption of secret content, with the maintained `cryptography` library.

Each disclosure has its own 256-bit data key; every piece of its content (each revision, each
session's advice, each reviewer's comment) is sealed with AES-256-GCM under that key, a fresh
96-bit nonce each time, and associated data naming where it belongs (`<disclosure>|<what>|<n>`),
so a blob moved onto another disclosure or revision fails to open. The data key is stored only
wrapped (RFC 3394 AES key wrap) by a service key (the key-encryption key, KEK) from the
settings' keyring, with the KEK's id: rotating the service key means adding a new KEK, making it
current, and wrapping the data keys again (`rewrap`); no content is sealed again.

The keyring file is JSON, `{"current": "<kek id>", "keys": {"<kek id>": "<base64 32 bytes>"}}`,
outside the repository; in development and tests a missing file is created with one fresh key.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from ip_counsel.domain.sealed import Sealed, WrappedKey

KEY_BYTES = 32
NONCE_BYTES = 12


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"the keyring has no key {self.current!r}")
        if any(len(k) != KEY_BYTES for k in self.keys.values()):
            raise ValueError("every key-encryption key is 32 bytes (AES-256)")

    @classmethod
    def load(cls, path: Path, *, create: bool) -> Keyring:
        if not path.exists():
            if not create:
                raise FileNotFoundError(f"the content keyring {path} is missing")
            _create(path)
        raw = json.loads(path.read_text(encoding="ascii"))
        keys = {kid: base64.b64decode(k) for kid, k in raw["keys"].items()}
        return cls(raw["current"], keys)


def _create(path: Path) -> None:
    """A new keyring, written to a private file and linked into place (two racing starts agree)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kid = f"dev-{secrets.token_hex(4)}"
    body = {"current": kid, "keys": {kid: base64.b64encode(os.urandom(KEY_BYTES)).decode()}}
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            json.dump(body, handle)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class Sealer:
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def new_key(self) -> WrappedKey:
        """A fresh data key, wrapped by the current service key."""
        data_key = AESGCM.generate_key(bit_length=256)
        kek = self.keyring.current
        return WrappedKey(kek_id=kek, wrapped=aes_key_wrap(self.keyring.keys[kek], data_key))

    def _unwrap(self, key: WrappedKey) -> bytes:
        kek = self.keyring.keys.get(key.kek_id)
        if kek is None:
            raise LookupError(f"no service key {key.kek_id!r} in the keyring")
        return aes_key_unwrap(kek, key.wrapped)

    def seal(self, key: WrappedKey, plaintext: bytes, place: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(self._unwrap(key)).encrypt(nonce, plaintext, place.encode())
        return Sealed(nonce=nonce, ciphertext=ciphertext)

    def open(self, key: WrappedKey, sealed: Sealed, place: str) -> bytes:
        return AESGCM(self._unwrap(key)).decrypt(sealed.nonce, sealed.ciphertext, place.encode())

    def rewrap(self, key: WrappedKey) -> WrappedKey:
        """The same data key under the current service key (rotation)."""
        if key.kek_id == self.keyring.current:
            return key
        kek = self.keyring.current
        return WrappedKey(
            kek_id=kek, wrapped=aes_key_wrap(self.keyring.keys[kek], self._unwrap(key))
        )


def place(disclosure_id: str, what: str, number: int | str) -> str:
    """The associated data binding a sealed blob to where it belongs."""
    return f"{disclosure_id}|{what}|{number}"

"""What the domain knows of secret text: that it is there, sealed. The content of a disclosure
(its title, field, description, claims and prior art), a counsellor's advice and a reviewer's
comment travel through the domain as `Sealed` values only; the service layer seals and opens
them (adapters/sealing.py) and decides who may see them (the circle of ¶3)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Sealed(BaseModel):
    """AES-256-GCM ciphertext (with its tag) and the nonce it was sealed with."""

    model_config = ConfigDict(frozen=True)

    nonce: bytes
    ciphertext: bytes


class WrappedKey(BaseModel):
    """A disclosure's data key, wrapped by the service key `kek_id` (RFC 3394 key wrap): the
    id says which service key opens it, so service keys can be rotated (the data key is
    wrapped again; no content is sealed again)."""

    model_config = ConfigDict(frozen=True)

    kek_id: str
    wrapped: bytes

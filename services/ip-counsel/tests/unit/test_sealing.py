"""Envelope encryption (adapters/sealing.py) with the real `cryptography` primitives."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from ip_counsel.adapters.sealing import Keyring, Sealer, place


def keyring(*ids: str, current: str | None = None) -> Keyring:
    return Keyring(current or ids[0], {i: os.urandom(32) for i in ids})


def test_what_is_sealed_opens_only_in_its_place() -> None:
    sealer = Sealer(keyring("k1"))
    key = sealer.new_key()
    secret = "un horno de doble cámara".encode()
    sealed = sealer.seal(key, secret, place("d1", "revision", 1))
    assert secret not in sealed.ciphertext and len(sealed.nonce) == 12
    assert sealer.open(key, sealed, place("d1", "revision", 1)) == secret
    with pytest.raises(InvalidTag):
        sealer.open(key, sealed, place("d1", "revision", 2))
    with pytest.raises(InvalidTag):
        sealer.open(key, sealed, place("d2", "revision", 1))


def test_each_disclosure_has_its_own_key_and_the_key_is_stored_wrapped() -> None:
    ring = keyring("k1")
    sealer = Sealer(ring)
    a, b = sealer.new_key(), sealer.new_key()
    assert a.wrapped != b.wrapped and a.kek_id == "k1" and len(a.wrapped) == 40
    sealed = sealer.seal(a, b"x", "p")
    with pytest.raises(InvalidTag):
        sealer.open(b, sealed, "p")


def test_nonces_are_fresh() -> None:
    sealer = Sealer(keyring("k1"))
    key = sealer.new_key()
    seen = {sealer.seal(key, b"same", "p").nonce for _ in range(200)}
    assert len(seen) == 200


def test_rotation_rewraps_the_data_key_without_sealing_again() -> None:
    old = keyring("k1")
    key = Sealer(old).new_key()
    sealed = Sealer(old).seal(key, b"claims", "p")
    rotated = Keyring("k2", old.keys | {"k2": os.urandom(32)})
    rewrapped = Sealer(rotated).rewrap(key)
    assert rewrapped.kek_id == "k2" and rewrapped.wrapped != key.wrapped
    assert (
        Sealer(Keyring("k2", {"k2": rotated.keys["k2"]})).open(rewrapped, sealed, "p") == b"claims"
    )
    with pytest.raises(LookupError):
        Sealer(Keyring("k2", {"k2": rotated.keys["k2"]})).open(key, sealed, "p")


def test_the_keyring_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    with pytest.raises(FileNotFoundError):
        Keyring.load(path, create=False)
    made = Keyring.load(path, create=True)
    assert Keyring.load(path, create=False) == made
    assert oct(path.stat().st_mode)[-3:] == "600"
    path.write_text(
        json.dumps({"current": "k", "keys": {"k": base64.b64encode(b"short").decode()}})
    )
    with pytest.raises(ValueError, match="32 bytes"):
        Keyring.load(path, create=False)

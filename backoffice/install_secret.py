"""The per-install secret: read from a private file, created with a random value on first use.

Every Shopdesk process derives its keys from one secret (``SHOPDESK_SECRET_KEY``). When the environment does
not set it, the first process to start writes a random one to ``var/secret_key`` (mode 0600) and every later
process reads the same file, so a fresh install never runs with a value anyone else knows.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

MIN_LENGTH = 16


def load_or_create(path: Path) -> str:
    """The secret stored at ``path``; a new random one (written 0600, atomically) when there is none yet."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its secret
        return _read(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def _read(path: Path) -> str:
    value = path.read_text().strip()
    if len(value) < MIN_LENGTH:
        raise ValueError(f"{path} holds no usable secret (fewer than {MIN_LENGTH} characters); delete it to make one")
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # tighten a copy made with a loose umask
    return value


def derive(secret: str, purpose: str) -> str:
    """A key for one purpose (cookie signing, the internal token...), so no two uses share the raw secret."""
    return hmac.new(secret.encode(), b"shopdesk:" + purpose.encode(), hashlib.sha256).hexdigest()

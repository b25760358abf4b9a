"""API keys: ``ca_<key_id>_<secret>``, stored as a salted sha256 of the secret, never in clear.

The secret has 256 bits of entropy, so a fast hash is enough (there is nothing to brute-force);
comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select

from analyzer.storage.errors import InvalidRequestError, NotFoundError
from analyzer.storage.store import Store
from analyzer.storage.tables import ApiKeyRow

KEY_PREFIX = "ca"
_KEY_PATTERN = re.compile(r"^ca_([a-f0-9]{12})_([A-Za-z0-9_-]{43})$")


class Role(StrEnum):
    """Each role can do everything the roles before it can."""

    VIEWER = "viewer"  # read results, export
    MODERATOR = "moderator"  # + ingest and decisions
    ADMIN = "admin"  # + keys, settings, un-pseudonymized exports

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, required: Role) -> bool:
        return self.rank >= required.rank


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def _api_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.key_id, row.name, Role(row.role), row.created_at, row.revoked_at)


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidRequestError(
            f"unknown role {value!r}", hint=f"valid roles: {', '.join(r.value for r in Role)}"
        ) from None


def create_key(store: Store, role: Role | str, name: str) -> tuple[str, str]:
    """Create a key; returns ``(key_id, plaintext)``. The plaintext is shown once, never stored."""
    role = parse_role(str(role))
    name = name.strip()
    if not name or len(name) > 255:
        raise InvalidRequestError(
            f"key name {name!r} must be 1 to 255 characters", hint="name the person or tool"
        )
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    with store.transaction() as session:
        session.add(
            ApiKeyRow(
                key_id=key_id,
                name=name,
                role=str(role),
                salt=salt,
                secret_hash=_hash(salt, secret),
                created_at=datetime.now(UTC),
                revoked_at=None,
            )
        )
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}"


def verify_key(store: Store, plaintext: str) -> ApiKey | None:
    """The active key ``plaintext`` belongs to, or None (malformed, unknown, wrong or revoked)."""
    match = _KEY_PATTERN.match(plaintext.strip())
    if match is None:
        return None
    key_id, secret = match.groups()
    with store.reading() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, _hash(row.salt, secret)):
            return None
        return _api_key(row)


def list_keys(store: Store, *, include_revoked: bool = True) -> list[ApiKey]:
    with store.reading() as session:
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.key_id)
        if not include_revoked:
            query = query.where(ApiKeyRow.revoked_at.is_(None))
        return [_api_key(row) for row in session.scalars(query)]


def get_key(store: Store, key_id: str) -> ApiKey:
    with store.reading() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFoundError(
                "API key", key_id, hint="list keys with `comment-analyzer keys list`"
            )
        return _api_key(row)


def revoke_key(store: Store, key_id: str) -> ApiKey:
    """Revoke ``key_id`` (idempotent: revoking twice keeps the first revocation time)."""
    with store.transaction() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFoundError(
                "API key", key_id, hint="list keys with `comment-analyzer keys list`"
            )
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        return _api_key(row)

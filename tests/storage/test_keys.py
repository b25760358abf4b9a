"""API keys are stored hashed, verified in constant time, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from analyzer.storage.errors import InvalidRequestError, NotFoundError
from analyzer.storage.keys import Role, create_key, list_keys, revoke_key, verify_key
from analyzer.storage.store import Store
from analyzer.storage.tables import ApiKeyRow


def test_create_and_verify(store: Store) -> None:
    key_id, plaintext = create_key(store, Role.MODERATOR, "alice")
    assert plaintext.startswith(f"ca_{key_id}_")
    key = verify_key(store, plaintext)
    assert key is not None and key.key_id == key_id and key.role is Role.MODERATOR
    assert key.name == "alice" and key.active


def test_secret_is_never_stored(store: Store) -> None:
    _, plaintext = create_key(store, "viewer", "bob")
    secret = plaintext.rsplit("_", 1)[1]
    with store.reading() as session:
        row = session.scalars(select(ApiKeyRow)).one()
    assert secret not in (row.secret_hash, row.salt) and len(row.secret_hash) == 64


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), id="wrong-secret"),
        pytest.param(lambda k: "ca_000000000000_" + k.rsplit("_", 1)[1], id="unknown-id"),
        pytest.param(lambda k: "not-a-key", id="malformed"),
        pytest.param(lambda k: "", id="empty"),
    ],
)
def test_wrong_keys_are_refused(store: Store, mangle: object) -> None:
    _, plaintext = create_key(store, "admin", "carol")
    assert verify_key(store, mangle(plaintext)) is None  # type: ignore[operator]


def test_revoked_keys_are_refused(store: Store) -> None:
    key_id, plaintext = create_key(store, "viewer", "dave")
    first = revoke_key(store, key_id)
    second = revoke_key(store, key_id)
    assert first.revoked_at is not None and second.revoked_at == first.revoked_at
    assert verify_key(store, plaintext) is None
    assert [k.key_id for k in list_keys(store, include_revoked=False)] == []
    assert [k.key_id for k in list_keys(store)] == [key_id]
    with pytest.raises(NotFoundError):
        revoke_key(store, "000000000000")


def test_bad_role_and_name(store: Store) -> None:
    with pytest.raises(InvalidRequestError, match=r"unknown role 'root'.*viewer, moderator, admin"):
        create_key(store, "root", "eve")
    with pytest.raises(InvalidRequestError, match="1 to 255"):
        create_key(store, "viewer", "  ")


def test_role_order() -> None:
    assert Role.ADMIN.allows(Role.MODERATOR) and Role.MODERATOR.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.MODERATOR) and not Role.MODERATOR.allows(Role.ADMIN)

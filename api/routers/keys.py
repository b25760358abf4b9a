"""API keys (admin): create, list, revoke. The same operations as `comment-analyzer keys`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from analyzer.storage import keys as stored_keys
from analyzer.storage.reviews import append_audit
from api.deps import Admin, RequestId, StoreDep, actor_of
from api.schemas import KeyCreated, KeyIn, KeyList, KeyOut

router = APIRouter(prefix="/v1/keys", tags=["keys"])


def key_out(key: stored_keys.ApiKey) -> KeyOut:
    return KeyOut(
        key_id=key.key_id,
        name=key.name,
        role=key.role,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


@router.post("", status_code=201, response_model=KeyCreated, summary="Create an API key")
def create_key(payload: KeyIn, key: Admin, store: StoreDep, request_id: RequestId) -> KeyCreated:
    """The secret is in `key` of this response only; it is stored hashed."""
    key_id, plaintext = stored_keys.create_key(store, payload.role, payload.name)
    created = stored_keys.get_key(store, key_id)
    with store.transaction() as session:
        append_audit(
            session,
            actor_of(key),
            action="key.create",
            target_type="key",
            target_id=key_id,
            request_id=request_id,
            details={"name": created.name, "role": str(created.role)},
        )
    return KeyCreated(**key_out(created).model_dump(), key=plaintext)


@router.get("", response_model=KeyList, summary="All API keys (never their secrets)")
def list_keys(_key: Admin, store: StoreDep) -> KeyList:
    return KeyList(keys=[key_out(k) for k in stored_keys.list_keys(store)])


@router.delete("/{key_id}", response_model=KeyOut, summary="Revoke an API key")
def revoke_key(
    key_id: Annotated[str, Path(min_length=1, max_length=32)],
    key: Admin,
    store: StoreDep,
    request_id: RequestId,
) -> KeyOut:
    revoked = stored_keys.revoke_key(store, key_id)
    with store.transaction() as session:
        append_audit(
            session,
            actor_of(key),
            action="key.revoke",
            target_type="key",
            target_id=key_id,
            request_id=request_id,
        )
    return key_out(revoked)

"""Loaded components and versions; the effective settings (admin)."""

from __future__ import annotations

from fastapi import APIRouter

import analyzer
from analyzer.export import SCHEMA_VERSION
from api.deps import Admin, PipelineDep, SettingsDep, StoreDep, Viewer
from api.schemas import ComponentOut, ModelsOut, SettingsOut

router = APIRouter(prefix="/v1", tags=["models"])


@router.get("/models", response_model=ModelsOut, summary="Loaded components and their versions")
def list_models(_key: Viewer, pipeline: PipelineDep, settings: SettingsDep) -> ModelsOut:
    return ModelsOut(
        package_version=analyzer.__version__,
        schema_version=SCHEMA_VERSION,
        settings_hash=settings.digest(),
        components=[
            ComponentOut(kind=c.kind, name=c.name, version=c.version, checksum=c.checksum)
            for c in pipeline.components
        ],
    )


@router.get("/settings", response_model=SettingsOut, summary="Effective settings (admin)")
def read_settings(_key: Admin, settings: SettingsDep, store: StoreDep) -> SettingsOut:
    api = settings.api.model_dump(mode="json")  # SecretStr values come out masked
    return SettingsOut(
        analysis=settings.model_dump(mode="json"),
        api=api,
        database=store.describe(),
        settings_hash=settings.digest(),
    )

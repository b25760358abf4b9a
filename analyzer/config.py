"""Settings, validated once at start-up. One Params model per component.

Environment variables use the prefix ``ANALYZER_`` and ``__`` for nesting, e.g.
``ANALYZER_COORDINATION__NEAR_DUPLICATE__THRESHOLD=0.8``. Unknown ``ANALYZER_*`` variables
fail loudly rather than being silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from analyzer.errors import ConfigError

ENV_PREFIX = "ANALYZER_"
PACKAGE_ROOT = Path(__file__).resolve().parent
DEFAULT_MODELS_DIR = PACKAGE_ROOT.parent / "data" / "models"


class Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IngestParams(Params):
    max_text_chars: int = Field(
        20_000, gt=0, description="Comments longer than this are reported and dropped."
    )
    chunk_rows: int = Field(
        50_000, gt=0, description="Rows read at a time from CSV/JSONL/Parquet inputs."
    )


class StanceParams(Params):
    model: str = Field("tfidf_baseline", description="Registered stance classifier name.")
    model_path: Path | None = Field(
        None, description="Model file; None means the model shipped in data/models/."
    )
    batch_size: int = Field(2048, gt=0, description="Comments classified per batch.")
    context_chars: int = Field(
        1500, gt=0, description="Characters of title + lead used as the article context."
    )


class NearDuplicateParams(Params):
    shingle_chars: int = Field(5, ge=2, le=16, description="Character shingle length.")
    num_perm: int = Field(128, ge=16, le=512, description="MinHash permutations.")
    threshold: float = Field(
        0.6, gt=0.0, le=1.0, description="Jaccard similarity of shingle sets to link two texts."
    )
    min_accounts: int = Field(
        3, ge=2, description="Distinct accounts a group needs before it is reported."
    )
    min_chars: int = Field(
        25, ge=1, description="Shorter normalized texts (e.g. '+1', 'agreed') are not compared."
    )
    window_seconds: float | None = Field(
        900.0,
        gt=0,
        description=(
            "Two comments are linked only if posted within this many seconds of each other; "
            "None compares across all times. Ignored for comments without timestamps."
        ),
    )
    strip_quotes_words: int = Field(
        8,
        ge=0,
        description=(
            "Drop runs of at least this many words copied from the article or parent comment "
            "before comparing (readers quoting the source are not a campaign); 0 disables."
        ),
    )


class BurstParams(Params):
    window_seconds: float = Field(600.0, gt=0, description="Sliding window length.")
    min_comments: int = Field(5, ge=2, description="Fewest comments in a window to call a burst.")
    max_p_value: float = Field(
        1e-4,
        gt=0.0,
        lt=1.0,
        description="Poisson tail probability of the window count under the article's rate.",
    )


class CoordinationParams(Params):
    detectors: tuple[str, ...] = Field(
        ("near_duplicate", "burst"), description="Registered detectors to run, by name."
    )
    flag_threshold: float = Field(
        0.5, gt=0.0, le=1.0, description="A comment is flagged when its score reaches this."
    )
    near_duplicate: NearDuplicateParams = NearDuplicateParams()
    burst: BurstParams = BurstParams()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
        frozen=True,
    )

    ingest: IngestParams = IngestParams()
    stance: StanceParams = StanceParams()
    coordination: CoordinationParams = CoordinationParams()

    @field_validator("ingest", "stance", "coordination", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any) -> Any:
        return {} if value == "" else value

    def digest(self) -> str:
        """sha256 of the canonical JSON form; equal settings give equal hashes."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _unknown_env_keys() -> list[str]:
    known = {name.upper() for name in Settings.model_fields}
    unknown = []
    for key in os.environ:
        if key.startswith(ENV_PREFIX):
            top = key[len(ENV_PREFIX) :].split("__", 1)[0]
            if top not in known:
                unknown.append(key)
    return sorted(unknown)


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment plus ``overrides``; fail with one clear message."""
    unknown = _unknown_env_keys()
    if unknown:
        raise ConfigError(
            f"unknown setting(s) in the environment: {', '.join(unknown)}",
            hint=f"valid top-level settings: {', '.join(f'{ENV_PREFIX}{k.upper()}' for k in Settings.model_fields)}",
        )
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {err.get('input')!r})"
            for err in exc.errors()
        )
        raise ConfigError(
            f"invalid settings: {problems}",
            hint="fix the ANALYZER_* environment variables, .env or the options passed in",
        ) from None

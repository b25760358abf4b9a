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

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
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
    abstain_below: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description=(
            "Results whose confidence is below this are marked abstained (label kept) so a "
            "reviewer routes them to a human; 0 never abstains. Used by minilm_stance."
        ),
    )
    targets: tuple[str, ...] = Field(
        (),
        description=(
            "Named targets (e.g. 'Russia', 'Lukashenka') to report per-comment favor/against/none "
            "toward; aliases joined by '|' count as one target. Used by minilm_stance."
        ),
    )
    article_targets: int = Field(
        0,
        ge=0,
        le=5,
        description=(
            "Also report stance toward this many names extracted from each article "
            "(most frequent proper names); 0 disables. Each target costs one more model pass."
        ),
    )
    explain: bool = Field(
        True,
        description=(
            "Find the sentence that drives a support/oppose label (leave-one-sentence-out); "
            "costs extra model passes for multi-sentence comments. Used by minilm_stance."
        ),
    )
    threads: int = Field(
        0, ge=0, description="CPU threads for ONNX inference; 0 lets onnxruntime decide."
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
        5,
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
    launch_seconds: float = Field(
        1800.0,
        ge=0,
        description=(
            "Windows starting this soon after the article went live (its published_at, else its "
            "first comment) are not tested: every thread opens with a natural surge."
        ),
    )
    context_seconds: float | None = Field(
        3600.0,
        gt=0,
        description=(
            "The baseline is the article's rate within this many seconds before and after a "
            "window (news threads slow down for hours after publication); None uses the "
            "article's whole comment span."
        ),
    )
    min_baseline_per_window: float = Field(
        1.0,
        gt=0.0,
        description=(
            "Floor on the article's baseline, in comments per window: an otherwise silent "
            "thread is assumed to get at least this many, so a few comments are not a burst."
        ),
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


class ApiParams(Params):
    """The HTTP service (``comment-analyzer serve``); deployment settings, not analysis settings."""

    max_body_bytes: int = Field(
        10_000_000, gt=0, description="Request bodies larger than this are refused with 413."
    )
    rate_limit_per_minute: int = Field(
        600, gt=0, description="Requests each API key may make per minute (429 beyond it)."
    )
    sync_max_comments: int = Field(
        2_000,
        gt=0,
        description="Ingest requests with more comments than this run as a background job (202).",
    )
    max_page_size: int = Field(500, gt=0, description="Largest ``limit`` a list endpoint accepts.")
    cors_origins: tuple[str, ...] = Field(
        (), description="Origins allowed by CORS; empty (the default) turns CORS off."
    )
    export_dir: Path = Field(
        Path("exports"), description="Directory export files are written under."
    )
    pseudonym_salt: SecretStr | None = Field(
        None,
        description=(
            "HMAC key for pseudonymized author ids in exports. Unset: read pseudonym_salt_file, "
            "else a random salt is generated on first start and kept in the database."
        ),
    )
    pseudonym_salt_file: Path | None = Field(
        None, description="File holding the pseudonym salt (e.g. a mounted secret)."
    )


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
    # Deployment settings: excluded from dumps, so they never reach the settings hash, RunInfo
    # or exported manifests (a database password must not end up in results).
    database_url: str = Field(
        "sqlite:///./comment-analyzer.db",
        exclude=True,
        description="SQLAlchemy URL of the service's store (SQLite or postgresql+psycopg://...).",
    )
    api: ApiParams = Field(ApiParams(), exclude=True)

    @field_validator("ingest", "stance", "coordination", "api", mode="before")
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

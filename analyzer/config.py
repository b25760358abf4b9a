"""Settings, validated once at start-up. One Params model per component.

Environment variables use the prefix ``ANALYZER_`` and ``__`` for nesting, e.g.
``ANALYZER_COORDINATION__NEAR_DUPLICATE__THRESHOLD=0.8``. Unknown ``ANALYZER_*`` variables
fail loudly rather than being silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from analyzer.errors import ConfigError

ENV_PREFIX = "ANALYZER_"
PACKAGE_ROOT = Path(__file__).resolve().parent
# The demo corpus and its hand labels, written for this project (data/demo/README.md).
DEMO_DIR = PACKAGE_ROOT.parent / "data" / "demo"
DEMO_LABELS = PACKAGE_ROOT.parent / "data" / "demo-labels.csv"
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


class TargetStanceParams(Params):
    """Stance toward named targets (``stance.targets`` in the output)."""

    enabled: bool = Field(True, description="Compute stance toward named targets per comment.")
    model: str = Field("lexical_target", description="Registered target-stance component name.")
    targets: tuple[str, ...] = Field(
        (),
        description=(
            "Targets to judge every comment against, each 'Name' or 'Name=alias|alias' "
            "(e.g. 'Russia=Putin|Kremlin'); demonyms and capitals of countries are added."
        ),
    )
    extract: bool = Field(
        True,
        description=(
            "Also judge the names that recur in the article (or that it shares with its "
            "comments); off: only the configured targets."
        ),
    )
    max_extracted: int = Field(6, ge=0, description="Most targets extracted per article.")
    min_mentions: int = Field(
        2,
        ge=1,
        description="Mentions in the article an extracted name needs (1 if a comment names it).",
    )
    opposed: tuple[tuple[str, str], ...] = Field(
        (),
        description=(
            "Pairs of targets on opposite sides (e.g. [['Russia', 'Ukraine']]): favor toward one "
            "implies against the other when the comment says nothing about it."
        ),
    )
    allied: tuple[tuple[str, str], ...] = Field(
        (), description="Pairs of targets on the same side: stance toward one carries to the other."
    )
    threshold: float = Field(
        0.05,
        gt=0.0,
        lt=1.0,
        description="Net target-directed sentiment (VADER compound scale) for favor/against.",
    )
    transfer: bool = Field(
        True,
        description=(
            "For a target the comment does not mention: its stance toward the article times the "
            "article's stance toward the target, when both are clear."
        ),
    )
    transfer_min_confidence: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Lowest article-stance confidence at which the transfer rule is applied.",
    )


class ReplyAgreementParams(Params):
    """Agreement of a reply with its parent comment (``stance.reply_agreement``)."""

    enabled: bool = Field(
        False,
        description=(
            "Judge replies against their parent comment; opt-in because it runs the stance "
            "classifier a second time for every reply."
        ),
    )
    model: str = Field("pair_agreement", description="Registered reply-agreement component name.")


class StanceParams(Params):
    model: str = Field("tfidf_baseline", description="Registered stance classifier name.")
    model_path: Path | None = Field(
        None, description="Model file; None means the model shipped in data/models/."
    )
    batch_size: int = Field(2048, gt=0, description="Comments classified per batch.")
    context_chars: int = Field(
        1500,
        gt=0,
        description=(
            "Characters of article context: title + lead for tfidf_baseline; for "
            "minilm_stance (capped by its manifest), a short article whole, a long one's "
            "title, lead and the body sentences chosen per comment (context_selection)."
        ),
    )
    context_selection: Literal["embedding", "lexical"] = Field(
        "embedding",
        description=(
            "minilm_stance only: how the body sentences of a long article (one that does not "
            "fit context_chars) are picked per comment, after title and lead: 'embedding' "
            "(cosine of all-MiniLM-L6-v2 sentence embeddings, data/models/minilm_sentence; "
            "finds paraphrases) or 'lexical' (IDF-weighted word overlap; no model). Short "
            "articles are used verbatim either way."
        ),
    )
    sentence_model_dir: Path | None = Field(
        None,
        description=(
            "Sentence encoder for context_selection='embedding'; None uses the shipped "
            "data/models/minilm_sentence."
        ),
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
    fast: bool = Field(
        False,
        description=(
            "minilm_stance only: a lexical gate decides the plain comments and questions and "
            "the encoder reads 64 tokens instead of 128; about 2-3x faster, RumourEval test "
            "replies macro-F1 0.401 instead of 0.442 with minilm_stance 1.3.0 "
            "(docs/benchmarks.md)."
        ),
    )
    relevance_check: bool = Field(
        False,
        description=(
            "minilm_stance only: decide relatedness first. A comment whose sentence embedding "
            "comes close to nothing in its article (title + lead, body sentences) is labelled "
            "'unrelated', with 'relevance' evidence (curve: data/models/relevance, fitted on "
            "ARC pairs for a 16% off-topic rate). Opt-in: it catches about half of the "
            "comments moved to another news article, but calls some short replies that deny "
            "without naming the topic unrelated (RumourEval dev replies 0.509 -> 0.500; "
            "docs/stance-model.md). Needs "
            "context_selection='embedding' (the same encoder, one pass)."
        ),
    )
    relevance_model_dir: Path | None = Field(
        None,
        description="Relevance curve folder; None uses the shipped data/models/relevance.",
    )
    targets: TargetStanceParams = TargetStanceParams()
    reply_agreement: ReplyAgreementParams = ReplyAgreementParams()

    @model_validator(mode="after")
    def _relevance_needs_embeddings(self) -> StanceParams:
        if (
            self.model == "minilm_stance"
            and self.relevance_check
            and self.context_selection == "lexical"
        ):
            raise ValueError(
                "relevance_check scores comments with the sentence encoder of "
                "context_selection='embedding', but context_selection is 'lexical'; set "
                "context_selection='embedding', or relevance_check=false"
            )
        return self


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
    influx_min_share: float = Field(
        0.7,
        gt=0.5,
        le=1.0,
        description=(
            "Stance influx: a burst is one-sided when at least this share of its comments with "
            "a support/oppose label carry the same one."
        ),
    )
    influx_min_shift: float = Field(
        0.3,
        gt=0.0,
        le=1.0,
        description=(
            "Stance influx: that stance's share must exceed its share among the article's other "
            "comments by at least this much (e.g. oppose 30% -> 75% is a shift of 0.45)."
        ),
    )
    influx_min_comments: int = Field(
        5, ge=2, description="Stance influx: fewest one-sided comments in the burst."
    )


class CoCommentingParams(Params):
    window_seconds: float = Field(
        900.0, gt=0, description="Two accounts are co-active under an article within this time."
    )
    min_articles: int = Field(
        2,
        ge=2,
        description=(
            "Distinct articles a pair must be co-active on (CooRTweet's min_participation)."
        ),
    )
    min_jaccard: float = Field(
        0.2,
        gt=0.0,
        le=1.0,
        description="Edge-weight cut: Jaccard similarity of the two accounts' article sets.",
    )
    min_account_articles: int = Field(
        2, ge=1, description="Support filter: accounts with fewer distinct articles are not paired."
    )
    strict_articles: int = Field(
        4, ge=2, description="Shared articles at which a pair may score 0.5 or more on its own."
    )
    strict_jaccard: float = Field(
        0.6, gt=0.0, le=1.0, description="Jaccard at which a pair may score 0.5 or more on its own."
    )
    max_neighbors: int = Field(
        200, ge=1, description="Each comment is compared with at most this many later comments."
    )


class CoBurstParams(Params):
    quiet_gaps_seconds: tuple[float, ...] = Field(
        (900.0, 300.0, 100.0),
        min_length=1,
        description=(
            "A burst under an article ends at a gap longer than this between consecutive "
            "comments; one set of bursts per gap, so a fast campaign inside a slower thread "
            "is still a burst of its own."
        ),
    )
    min_accounts: int = Field(3, ge=2, description="Accounts that must burst together.")
    min_articles: int = Field(
        2, ge=2, description="Distinct articles under which the same accounts burst together."
    )
    min_share: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description=(
            "The group's share of the accounts commenting in each of its bursts (busy threads, "
            "where regulars meet by chance, stay below it)."
        ),
    )
    max_burst_accounts: int = Field(
        30, ge=2, description="Bursts with more distinct accounts are busy threads, not bursts."
    )
    min_shared_terms: int = Field(
        2,
        ge=0,
        description=(
            "Another account in one of the group's bursts joins the group when its comment "
            "shares this many distinctive terms with the group's comments there; 0 disables."
        ),
    )
    max_term_share: float = Field(
        0.003,
        gt=0.0,
        le=1.0,
        description=(
            "A term (word of 4+ letters, hashtag or link; not a stop word, not in the article) "
            "is distinctive when at most this share of the other comments in the input use it."
        ),
    )

    @field_validator("quiet_gaps_seconds")
    @classmethod
    def _positive_gaps(cls, gaps: tuple[float, ...]) -> tuple[float, ...]:
        if any(g <= 0 for g in gaps):
            raise ValueError(f"every quiet gap must be > 0 seconds, got {gaps}")
        return gaps


class TemplateParams(Params):
    min_accounts: int = Field(3, ge=2, description="Distinct accounts sharing one skeleton.")
    min_fixed_words: int = Field(
        6, ge=3, description="Words of the skeleton that are not slots (shorter ones are common)."
    )
    min_distinct_fills: int = Field(
        2,
        ge=1,
        description=(
            "Distinct slot fillings needed; 1 also reports verbatim copies of one template."
        ),
    )
    window_seconds: float | None = Field(
        86_400.0,
        gt=0,
        description="Comments further apart than this are not grouped; None ignores time.",
    )
    strip_quotes_words: int = Field(
        5, ge=0, description="Quote stripping before templating, as for near_duplicate; 0 disables."
    )


class SemanticParams(Params):
    model_dir: Path | None = Field(
        None,
        description=(
            "Directory of an int8 ONNX sentence encoder (written by `python -m "
            "analyzer.coordination.sentence_encoder_export`); None uses the shipped "
            "data/models/minilm_sentence (all-MiniLM-L6-v2)."
        ),
    )
    threshold: float = Field(
        0.8, gt=0.0, le=1.0, description="Cosine similarity of embeddings to link two comments."
    )
    candidate_jaccard: float = Field(
        0.25,
        gt=0.0,
        le=1.0,
        description=(
            "Only pairs whose content-word sets reach this (MinHash-estimated) Jaccard "
            "similarity are embedded and compared: the LSH neighbourhood that keeps it scalable."
        ),
    )
    window_seconds: float | None = Field(
        1800.0, gt=0, description="Linked comments lie within this many seconds; None ignores time."
    )
    min_accounts: int = Field(3, ge=2, description="Distinct accounts a group needs.")
    min_words: int = Field(
        6, ge=1, description="Shorter comments (after quote stripping) are skipped."
    )
    batch_size: int = Field(
        64, gt=0, description="Most comments per forward pass (batches also cap padded tokens)."
    )
    max_tokens: int = Field(
        96, ge=16, le=512, description="Token limit per comment (candidates are mostly short)."
    )
    threads: int = Field(0, ge=0, description="CPU threads for the encoder; 0 uses up to 4.")
    strip_quotes_words: int = Field(
        5, ge=0, description="Quote stripping before embedding, as for near_duplicate; 0 disables."
    )


class StyleParams(Params):
    min_comments: int = Field(
        5, ge=2, description="Accounts with fewer comments have too little text to profile."
    )
    min_chars: int = Field(300, ge=1, description="Fewest characters of text an account needs.")
    threshold: float = Field(
        0.5, gt=0.0, lt=1.0, description="Similarity of two accounts' style profiles."
    )
    min_margin: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description=(
            "Impostor margin: the pair must be each other's most similar account, ahead of "
            "every other account by at least this much."
        ),
    )
    min_replies: int = Field(
        2,
        ge=1,
        description="Replies between the two accounts needed before style alone may score 0.5.",
    )
    max_accounts: int = Field(
        20_000, gt=1, description="Profiled accounts at most (the most active are kept)."
    )


class GenericEndorsementParams(Params):
    min_words: int = Field(5, ge=1, description="Shorter comments ('+1', 'so true') are skipped.")
    max_words: int = Field(30, ge=2, description="Longer comments are not 'generic'.")
    min_generic_share: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description=(
            "Lowest share of a comment's content words that are generic: from the praise/attack "
            "and commentary lexicon, or one of the article's topic names."
        ),
    )
    topic_names: int = Field(
        12, ge=0, description="Most frequent capitalized names of the article counted as topic."
    )
    min_accounts: int = Field(3, ge=2, description="Accounts sharing the pattern on one article.")
    flag_accounts: int = Field(
        4,
        ge=2,
        description=(
            "Accounts needed (within window_seconds, all one-sided the same way) before the "
            "signal may reach 0.5 on its own; fewer, or untimed, stays a supporting signal."
        ),
    )
    window_seconds: float = Field(
        1800.0, gt=0, description="Time span in which flag_accounts must fall."
    )


class AccountParams(Params):
    new_account_days: float = Field(
        7.0, gt=0, description="An account created this recently before its comment is new."
    )
    min_accounts: int = Field(3, ge=2, description="New accounts on one article within the window.")
    window_seconds: float = Field(3600.0, gt=0, description="Span in which they comment.")


class CoordinationParams(Params):
    detectors: tuple[str, ...] = Field(
        (
            "near_duplicate",
            "template",
            "semantic",
            "burst",
            "co_burst",
            "co_commenting",
            "generic_endorsement",
            "account",
        ),
        description=(
            "Registered detectors to run, by name. 'semantic' needs onnxruntime and tokenizers "
            "(the 'stance' extra) and is reported as skipped without them. Opt-in: 'style', "
            "which does not yet scale past about 100k comments on one machine (80 s per 100k, "
            "see docs/benchmarks.md)."
        ),
    )
    flag_threshold: float = Field(
        0.5, gt=0.0, le=1.0, description="A comment is flagged when its score reaches this."
    )
    near_duplicate: NearDuplicateParams = NearDuplicateParams()
    burst: BurstParams = BurstParams()
    co_commenting: CoCommentingParams = CoCommentingParams()
    co_burst: CoBurstParams = CoBurstParams()
    template: TemplateParams = TemplateParams()
    semantic: SemanticParams = SemanticParams()
    style: StyleParams = StyleParams()
    generic_endorsement: GenericEndorsementParams = GenericEndorsementParams()
    account: AccountParams = AccountParams()


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
    hook_window_seconds: float = Field(
        86_400.0,
        gt=0,
        description=(
            "Moderation hook (POST /v1/check): comments older than this before the newest one "
            "leave its rolling window."
        ),
    )
    hook_max_comments: int = Field(
        100_000,
        gt=0,
        description=(
            "Moderation hook: most comments its rolling window holds (the oldest leave first; "
            "about 2 KB each)."
        ),
    )
    hook_warm_start: bool = Field(
        True,
        description="Moderation hook: fill the window from stored comments at start-up.",
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


@dataclass(frozen=True, slots=True)
class ParamInfo:
    """One setting as ``--explain-params`` shows it."""

    path: str  # dotted, e.g. "coordination.near_duplicate.window_seconds"
    value: object
    default: object
    description: str
    env_var: str


def explain_params(settings: Settings, prefix: str = "") -> list[ParamInfo]:
    """Every analysis setting in force (deployment settings left out), with its default, its
    description and the environment variable that sets it; ``prefix`` filters by path."""
    found: list[ParamInfo] = []

    def walk(model: BaseModel, path: tuple[str, ...]) -> None:
        for name, info in type(model).model_fields.items():
            if info.exclude:
                continue
            value = getattr(model, name)
            here = (*path, name)
            if isinstance(value, BaseModel):
                walk(value, here)
                continue
            dotted = ".".join(here)
            if dotted.startswith(prefix):
                found.append(
                    ParamInfo(
                        path=dotted,
                        value=value,
                        default=info.get_default(call_default_factory=True),
                        description=info.description or "",
                        env_var=ENV_PREFIX + "__".join(p.upper() for p in here),
                    )
                )

    walk(settings, ())
    return found


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
            hint="valid top-level settings: "
            + ", ".join(f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields),
        )
    try:
        return Settings(**overrides)
    except SettingsError as exc:  # e.g. a list-valued variable that is not valid JSON
        raise ConfigError(
            f"invalid settings: {exc}",
            hint="list and object values are JSON, "
            "e.g. ANALYZER_COORDINATION__DETECTORS='[\"burst\"]'",
        ) from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {err.get('input')!r})"
            for err in exc.errors()
        )
        raise ConfigError(
            f"invalid settings: {problems}",
            hint="fix the ANALYZER_* environment variables, .env or the options passed in",
        ) from None

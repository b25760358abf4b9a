"""Fine-tune the MiniLM stance cross-encoder and ship it as an int8 ONNX model.

Recipe (each step kept because the RumourEval dev split confirmed it; see the model card):

- input ``[CLS] source/article context || parent [SEP] reply [SEP]``, max 128 tokens, dynamic
  padding and length-sorted batches;
- a 5-way head (support, deny, query, comment, unrelated) on the mean-pooled encoder output
  concatenated with the conversation features of :mod:`analyzer.stance.features`;
- training data: RumourEval-2019 train **replies** (source posts are left out: a self-pair teaches
  nothing about replies) plus ARC train pairs outside the held-out debates (all related pairs,
  unrelated pairs at half that number);
- class weights from the reply distribution only, ``(n / (k * n_c)) ** power``, and the rare
  support/deny replies repeated ``oversample`` times;
- AdamW with linear warm-up/decay; the epoch is picked on RumourEval dev replies (SDQC
  macro-F1); class offsets and a temperature are then fitted on dev (calibration.py).

Everything here needs torch and transformers, imported lazily so the inference path never does.
``python -m analyzer.stance.training_minilm experiment --shard i/n`` trains a grid of
configurations (several shards side by side on one GPU), ``select`` picks recipes by their mean
dev score over seeds and writes the chosen weights in chunks, ``ship`` exports such weights as a
calibrated int8 model directory; ``comment-analyzer train stance`` runs the shipped
configuration end to end on CPU.

RumourEval dev shares its events with train and did not predict test (a 64-token candidate:
0.503 on dev, 0.364 on test). ``experiment --event-folds K`` therefore scores each grid entry on
K folds of whole events instead: train and dev replies pooled (never test), a Twitter event or a
Reddit thread held out whole (:func:`fold_unit`), folds balanced by reply count
(:func:`event_folds`; ``folds --k K`` prints them). Each fold trains on the other folds plus ARC
and picks its epoch on its held-out replies; the entry's ``dev_macro_f1`` is the mean over
folds, so ``select`` ranks recipes by event-held-out scores. Fold runs keep no weights:
``select`` names the chosen recipe, which is then retrained in full (train split, epoch and
calibration on dev) with ``comment-analyzer train stance`` or a plain ``experiment``.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from analyzer.checksums import sha256_file
from analyzer.errors import ConfigError
from analyzer.stance.calibration import fit_offsets, macro_f1, sdqc_decisions, softmax
from analyzer.stance.conversations import (
    ARC_RELATED,
    CLASSES,
    SDQC,
    ArcPairs,
    StanceExamples,
    arc_calibration_rows,
    arc_examples,
    arc_training_examples,
    concat_examples,
    load_arc_pairs,
    load_rumoureval_posts,
    negated_claim,
    negation_twins,
)
from analyzer.stance.encoder import PairTokenizer, minilm_dir
from analyzer.stance.features import FEATURE_NAMES

FloatArray = npt.NDArray[np.float32]
HIDDEN_SIZE = 384  # all-MiniLM-L6-v2


@dataclass(frozen=True, slots=True)
class MiniLMTrainConfig:
    seed: int = 1
    epochs: int = 5
    learning_rate: float = 5e-5
    batch_size: int = 32
    max_length: int = 128
    class_weight_power: float = 0.5
    oversample: int = 2  # support/deny replies appear this many times per epoch
    use_arc: bool = True
    arc_unrelated_per_related: float = 0.5
    use_features: bool = True
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    dropout: float = 0.1
    label_smoothing: float = 0.0
    focal_gamma: float = 0.0  # > 0: focal loss (down-weights easy examples), class weights kept
    freeze_embeddings: bool = False  # keep word embeddings fixed: fewer event-specific cues
    num_layers: int = 6  # < 6 keeps the encoder's lowest layers only: a faster, smaller model
    # Keep ARC's calibration debates out of training, to fit the long-comment calibration on.
    arc_calibration_holdout: bool = False
    # This share of the ARC pairs also appears against the negated claim, support and deny
    # swapped (conversations.negation_twins), so the claim's polarity matters.
    arc_negation_twins: float = 0.0
    # > 0: this share of the loss matches a teacher model's softened output (knowledge
    # distillation, Hinton et al. 2015); the rest stays the weighted cross-entropy on the labels.
    distill_weight: float = 0.0
    distill_temperature: float = 2.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.distill_weight < 1.0:
            raise ConfigError(
                f"distill_weight must be in [0, 1), got {self.distill_weight}",
                hint="0 trains on the labels alone; 0.5 weighs teacher and labels equally",
            )
        if not 0.0 <= self.arc_negation_twins <= 1.0:
            raise ConfigError(
                f"arc_negation_twins must be in [0, 1], got {self.arc_negation_twins}",
                hint="0 adds no negated claims; 1 gives every ARC pair a twin",
            )
        if self.distill_temperature <= 0:
            raise ConfigError(
                f"distill_temperature must be > 0, got {self.distill_temperature}",
                hint="2 is the usual softening",
            )


SHIPPED_CONFIG = MiniLMTrainConfig()
DISTILL_WEIGHT = 0.5  # fixed before the first distilled run, not tuned


def sdqc_macro_f1(gold: Sequence[int], pred: Sequence[int]) -> float:
    """4-class SDQC macro-F1; a predicted ``unrelated`` counts as ``comment`` (task scoring)."""
    comment, unrelated = CLASSES.index("comment"), CLASSES.index("unrelated")
    return macro_f1(gold, [comment if p == unrelated else p for p in pred], len(SDQC))


def tuned_macro_f1(logits: npt.ArrayLike, gold: Sequence[int]) -> float:
    """SDQC macro-F1 of the product decision after class offsets fitted on these same replies,
    as ``ship`` fits them (an optimistic number: a tie-break between seeds, not a score)."""
    offsets = fit_offsets(logits, gold)
    return macro_f1(gold, sdqc_decisions(softmax(np.asarray(logits) + offsets)), len(SDQC))


def build_net(config: MiniLMTrainConfig, encoder_dir: Path) -> Any:
    import torch  # noqa: PLC0415
    from transformers import AutoModel  # noqa: PLC0415

    class StanceNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # Explicit float32: newer transformers keep the checkpoint's dtype by default.
            self.encoder = AutoModel.from_pretrained(str(encoder_dir), dtype=torch.float32)
            layers = self.encoder.encoder.layer
            if not 1 <= config.num_layers <= len(layers):
                raise ValueError(f"num_layers must be 1-{len(layers)}, got {config.num_layers}")
            # Drop the top layers before fine-tuning: of the strategies Sajjad et al. compared
            # ("On the effect of dropping layers of pre-trained transformer models"), it kept
            # the most accuracy.
            self.encoder.encoder.layer = layers[: config.num_layers]
            self.encoder.config.num_hidden_layers = config.num_layers
            self.dropout = torch.nn.Dropout(config.dropout)
            n_features = len(FEATURE_NAMES) if config.use_features else 0
            self.head = torch.nn.Linear(HIDDEN_SIZE + n_features, len(CLASSES))
            self.use_features = config.use_features

        def forward(self, input_ids: Any, attention_mask: Any, features: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            if self.use_features:
                pooled = torch.cat([pooled, features], dim=-1)
            return self.head(self.dropout(pooled))

    return StanceNet()


def class_weights(examples: StanceExamples, power: float) -> FloatArray:
    """Weights from the RumourEval reply distribution; unrelated gets the comment weight."""
    counts = np.zeros(len(CLASSES), dtype=np.float64)
    for target, source in zip(examples.targets, examples.sources, strict=True):
        if source == "rumoureval2019":
            counts[target] += 1
    sdqc = counts[: len(SDQC)]
    if power and not sdqc.sum():
        # Otherwise every weight would be 0 / 0 and the loss NaN from the first batch.
        raise ConfigError(
            "class weights come from the RumourEval replies' class counts, and the training "
            "set has none",
            hint="train with RumourEval replies, or set class_weight_power to 0 (equal weights)",
        )
    weights = np.ones(len(CLASSES), dtype=np.float64)
    weights[: len(SDQC)] = (sdqc.sum() / (len(SDQC) * np.maximum(sdqc, 1.0))) ** power
    weights[CLASSES.index("unrelated")] = weights[CLASSES.index("comment")]
    result: FloatArray = (weights / weights.mean()).astype(np.float32)
    return result


def _batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator | None
) -> list[list[int]]:
    """Length-bucketed batches: sorted by length, chunked, then the chunks shuffled."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        return [chunks[i] for i in rng.permutation(len(chunks))]
    return chunks


@dataclass(frozen=True, slots=True)
class EncodedExamples:
    segment_a: list[str]
    comments: list[str]
    features: FloatArray
    targets: npt.NDArray[np.int64]
    lengths: list[int]


def encode_examples(examples: StanceExamples, tokenizer: PairTokenizer) -> EncodedExamples:
    segment_a = examples.segment_a()
    comments = list(examples.comments)
    return EncodedExamples(
        segment_a=segment_a,
        comments=comments,
        features=examples.features(),
        targets=examples.target_array(),
        lengths=tokenizer.lengths(segment_a, comments),
    )


def predict_logits(
    net: Any, data: EncodedExamples, tokenizer: PairTokenizer, device: str, batch_size: int = 128
) -> FloatArray:
    import torch  # noqa: PLC0415

    net.eval()
    out = np.zeros((len(data.comments), len(CLASSES)), dtype=np.float32)
    with torch.no_grad():
        for batch in _batches(data.lengths, batch_size, None):
            enc = tokenizer.encode(
                [data.segment_a[i] for i in batch], [data.comments[i] for i in batch]
            )
            logits = net(
                torch.from_numpy(enc.input_ids).to(device),
                torch.from_numpy(enc.attention_mask).to(device),
                torch.from_numpy(data.features[batch]).to(device),
            )
            out[batch] = logits.float().cpu().numpy()
    return out


@dataclass(frozen=True, slots=True)
class TrainedRun:
    config: MiniLMTrainConfig
    best_epoch: int
    dev_macro_f1: float  # raw argmax, replies
    dev_logits: FloatArray
    history: tuple[float, ...]
    seconds: float
    examples_per_epoch: int
    state: dict[str, Any]  # state dict (CPU tensors) at the best epoch


def _loss_function(config: MiniLMTrainConfig, weights: Any) -> Callable[[Any, Any], Any]:
    """Class-weighted cross-entropy; with ``focal_gamma`` > 0 each term is scaled by (1-p)^gamma."""
    import torch  # noqa: PLC0415

    plain = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=config.label_smoothing)
    if config.focal_gamma <= 0:
        return plain

    def focal(logits: Any, targets: Any) -> Any:
        terms = torch.nn.functional.cross_entropy(
            logits,
            targets,
            weight=weights,
            reduction="none",
            label_smoothing=config.label_smoothing,
        )
        p_true = torch.softmax(logits, dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)
        # Same normalisation as the weighted mean of CrossEntropyLoss.
        return ((1 - p_true) ** config.focal_gamma * terms).sum() / weights[targets].sum()

    return focal


def _distillation_loss(config: MiniLMTrainConfig) -> Callable[[Any, Any], Any]:
    """KL divergence from the teacher's to the student's softened distribution, scaled by T^2
    so its gradients keep the size of the label loss's as T changes (Hinton et al. 2015)."""
    import torch  # noqa: PLC0415

    t = config.distill_temperature

    def loss(student: Any, teacher: Any) -> Any:
        return (
            torch.nn.functional.kl_div(
                torch.log_softmax(student / t, dim=-1),
                torch.softmax(teacher / t, dim=-1),
                reduction="batchmean",
            )
            * t
            * t
        )

    return loss


def pair_key(segment_a: str, comment: str, depth: int) -> str:
    """What identifies a training pair to its teacher label: the encoder's two segments and the
    reply depth (the only conversation feature not derived from those texts)."""
    digest = hashlib.sha256(f"{segment_a}\x1f{comment}\x1f{depth}".encode())
    return digest.hexdigest()[:32]


def example_keys(examples: StanceExamples) -> list[str]:
    return [
        pair_key(a, c, d)
        for a, c, d in zip(examples.segment_a(), examples.comments, examples.depths, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class TeacherLabels:
    """A teacher's raw logits (before offsets and temperature) on training pairs, by pair key.

    Saved as a small ``.npz`` (:meth:`save`), so a GPU box can distil without carrying the
    teacher's graph."""

    keys: tuple[str, ...]
    logits: FloatArray
    version: str
    sha256: str  # of the teacher's ONNX graph, recorded in the student's manifest
    # Whether the teacher's recipe kept ARC's calibration debates out (arc_calibration_holdout).
    without_calibration_debates: bool = False

    def info(self) -> dict[str, str]:
        return {"version": self.version, "sha256": self.sha256}

    def for_examples(self, examples: StanceExamples) -> FloatArray:
        """The logits of ``examples``, in their order; every example must be labelled."""
        row = {k: i for i, k in enumerate(self.keys)}
        wanted = example_keys(examples)
        missing = [i for i, k in enumerate(wanted) if k not in row]
        if missing:
            first = missing[0]
            raise ConfigError(
                f"{len(missing)} of {len(wanted)} training pairs have no teacher label (first: "
                f"example {first}, comment {examples.comments[first][:60]!r})",
                hint="label the same data with `python -m analyzer.stance.training_minilm "
                "label` (it covers every recipe's RumourEval and ARC training pairs)",
            )
        result: FloatArray = self.logits[[row[k] for k in wanted]]
        return result

    def save(self, path: Path) -> None:
        # Through a handle: given a bare path, numpy would append ".npz" to the name.
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                keys=np.asarray(self.keys),
                logits=self.logits,
                version=np.asarray(self.version),
                sha256=np.asarray(self.sha256),
                without_calibration_debates=np.asarray(self.without_calibration_debates),
            )

    @classmethod
    def load(cls, path: Path) -> TeacherLabels:
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = tuple(str(k) for k in data["keys"])
                logits = data["logits"].astype(np.float32)
                version, sha256 = str(data["version"]), str(data["sha256"])
                # Labels saved before the flag existed came from teachers without the holdout.
                without = "without_calibration_debates" in data and bool(
                    data["without_calibration_debates"]
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigError(
                f"cannot read teacher labels {path}: {exc}",
                hint="write them with `python -m analyzer.stance.training_minilm label`",
            ) from None
        if logits.shape != (len(keys), len(CLASSES)):
            raise ConfigError(
                f"teacher labels {path}: logits of shape {logits.shape} for {len(keys)} pairs "
                f"and {len(CLASSES)} classes",
                hint="relabel with `python -m analyzer.stance.training_minilm label`",
            )
        return cls(
            keys=keys,
            logits=logits,
            version=version,
            sha256=sha256,
            without_calibration_debates=without,
        )


def teacher_logits(
    teacher_dir: Path, examples: StanceExamples, *, threads: int = 0
) -> TeacherLabels:
    """Label ``examples`` with a shipped model directory's network.

    The teacher must have the student's classes; its manifest reader already refuses other
    conversation features."""
    from analyzer.stance.minilm_stance import MiniLMStanceModel  # noqa: PLC0415

    model = MiniLMStanceModel(teacher_dir, threads=threads)
    if tuple(model.manifest.classes) != tuple(CLASSES):
        raise ConfigError(
            f"teacher {teacher_dir} has classes {list(model.manifest.classes)}; the student "
            f"needs {list(CLASSES)}",
            hint="distil from a minilm_stance model of this format",
        )
    logits = model.raw_logits(examples.segment_a(), list(examples.comments), examples.features())
    return TeacherLabels(
        keys=tuple(example_keys(examples)),
        logits=logits.astype(np.float32),
        version=model.manifest.version,
        sha256=model.checksum,
        without_calibration_debates=teacher_without_calibration_debates(teacher_dir),
    )


def teacher_without_calibration_debates(teacher: Path) -> bool:
    """Whether a teacher (model directory or saved labels) kept ARC's calibration debates out."""
    from analyzer.stance.minilm_stance import MANIFEST_FILE  # noqa: PLC0415

    if not teacher.is_dir():
        return TeacherLabels.load(teacher).without_calibration_debates
    return _kept_calibration_debates_out(
        json.loads((teacher / MANIFEST_FILE).read_text(encoding="utf-8"))
    )


def _kept_calibration_debates_out(manifest: dict[str, Any]) -> bool:
    """Whether the recipe recorded in a model manifest kept ARC's calibration debates out."""
    return bool(manifest.get("training", {}).get("config", {}).get("arc_calibration_holdout"))


def refuse_leaking_teacher(teacher: Path, configs: Sequence[MiniLMTrainConfig]) -> None:
    """A student that keeps the calibration debates out must not learn them from its teacher."""
    leaking = [c for c in configs if c.arc_calibration_holdout and c.distill_weight > 0]
    if leaking and not teacher_without_calibration_debates(teacher):
        raise ConfigError(
            f"teacher {teacher} was trained on ARC's calibration debates, and "
            f"{len(leaking)} recipe(s) keep them out for the long-comment calibration while "
            "distilling from it: the student would learn those debates from the teacher",
            hint="distil from a teacher trained with arc_calibration_holdout, or drop "
            "distill_weight from those recipes",
        )


def labelling_pool(data_dir: Path) -> StanceExamples:
    """Every pair a recipe can train on: RumourEval train replies and all usable ARC train
    pairs (each recipe samples its unrelated ARC pairs from these), and every ARC pair's
    negation twin."""
    replies = load_rumoureval_posts(data_dir, "train").examples
    arc = arc_training_examples(data_dir, unrelated_per_related=math.inf, seed=0)
    return concat_examples([replies, arc, negation_twins(arc, 1.0, seed=0)])


def teacher_source(path: Path, examples: StanceExamples, *, threads: int = 0) -> TeacherLabels:
    """A teacher model directory (labels ``examples`` now) or a saved labels ``.npz`` file."""
    if path.is_dir():
        return teacher_logits(path, examples, threads=threads)
    return TeacherLabels.load(path)


def train_run(
    config: MiniLMTrainConfig,
    train: StanceExamples,
    dev: StanceExamples,
    *,
    device: str,
    encoder_dir: Path,
    log: Callable[[str], None] = print,
    on_progress: Callable[[str, int, int], None] | None = None,
    held_out_name: str = "dev replies",
    teacher: FloatArray | None = None,
) -> TrainedRun:
    """Fine-tune one configuration; ``on_progress(stage, done, total)`` reports batches.

    The epoch is chosen on ``dev`` (named ``held_out_name`` in the log). ``teacher`` holds a
    teacher's logits for ``train`` (:func:`teacher_logits`), needed when the config distils."""
    import torch  # noqa: PLC0415

    distilling = config.distill_weight > 0
    if distilling and (teacher is None or teacher.shape != (len(train), len(CLASSES))):
        shape = None if teacher is None else teacher.shape
        raise ConfigError(
            f"distill_weight {config.distill_weight} needs teacher logits of shape "
            f"({len(train)}, {len(CLASSES)}), got {shape}",
            hint="compute them with teacher_logits() on the same training examples",
        )

    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    rng = np.random.default_rng(config.seed)
    tokenizer = PairTokenizer(encoder_dir / "tokenizer.json", config.max_length)
    rare = {CLASSES.index("support"), CLASSES.index("deny")}
    repeat = [
        i
        for i, (t, s) in enumerate(zip(train.targets, train.sources, strict=True))
        if t in rare and s == "rumoureval2019"
        for _ in range(config.oversample - 1)
    ]
    expanded_rows = list(range(len(train))) + repeat
    expanded = train.subset(expanded_rows)
    soft_targets = teacher[expanded_rows] if distilling and teacher is not None else None
    distill_fn = _distillation_loss(config)
    data = encode_examples(expanded, tokenizer)
    dev_data = encode_examples(dev, tokenizer)
    net = build_net(config, encoder_dir).to(device)
    if config.freeze_embeddings:
        net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    weights = torch.from_numpy(class_weights(train, config.class_weight_power)).to(device)
    loss_fn = _loss_function(config, weights)
    no_decay = ("bias", "LayerNorm.weight")
    trainable = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    groups = [
        {
            "params": [p for n, p in trainable if not any(k in n for k in no_decay)],
            "weight_decay": config.weight_decay,
        },
        {
            "params": [p for n, p in trainable if any(k in n for k in no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate)
    steps_per_epoch = math.ceil(len(data.comments) / config.batch_size)
    total = steps_per_epoch * config.epochs
    warmup = max(1, int(total * config.warmup_ratio))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        # max(1, ...): a one-step run (smoke tests) has no decay phase to divide by.
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))),
    )
    started = time.perf_counter()
    best: tuple[float, int, FloatArray, dict[str, Any]] | None = None
    history: list[float] = []
    for epoch in range(1, config.epochs + 1):
        net.train()
        batches = _batches(data.lengths, config.batch_size, rng)
        for done, batch in enumerate(batches, start=1):
            enc = tokenizer.encode(
                [data.segment_a[i] for i in batch], [data.comments[i] for i in batch]
            )
            logits = net(
                torch.from_numpy(enc.input_ids).to(device),
                torch.from_numpy(enc.attention_mask).to(device),
                torch.from_numpy(data.features[batch]).to(device),
            )
            loss = loss_fn(logits, torch.from_numpy(data.targets[batch]).to(device))
            if soft_targets is not None:
                w = config.distill_weight
                soft = torch.from_numpy(soft_targets[batch]).to(device)
                loss = (1 - w) * loss + w * distill_fn(logits, soft)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            if on_progress:
                on_progress(f"epoch {epoch}/{config.epochs}", done, len(batches))
        dev_logits = predict_logits(net, dev_data, tokenizer, device)
        score = sdqc_macro_f1(dev.targets, dev_logits.argmax(1).tolist())
        history.append(score)
        log(f"  seed {config.seed} epoch {epoch}: {held_out_name} SDQC macro-F1 {score:.4f}")
        if best is None or score > best[0]:
            state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
            best = (score, epoch, dev_logits, state)
    assert best is not None
    return TrainedRun(
        config=config,
        best_epoch=best[1],
        dev_macro_f1=best[0],
        dev_logits=best[2],
        history=tuple(history),
        seconds=time.perf_counter() - started,
        examples_per_epoch=len(data.comments),
        state=best[3],
    )


def training_examples(
    data_dir: Path, config: MiniLMTrainConfig, replies: StanceExamples | None = None
) -> StanceExamples:
    """``replies`` (default: the RumourEval train replies) plus the ARC pairs of the recipe."""
    if replies is None:
        replies = load_rumoureval_posts(data_dir, "train").examples
    if not config.use_arc:
        return replies
    arc = arc_training_examples(
        data_dir,
        unrelated_per_related=config.arc_unrelated_per_related,
        seed=config.seed,
        exclude_calibration=config.arc_calibration_holdout,
    )
    if config.arc_negation_twins > 0:
        arc = concat_examples([arc, negation_twins(arc, config.arc_negation_twins, config.seed)])
    return concat_examples([replies, arc])


# -- event-held-out folds (recipe search) ---------------------------------------------------------

FOLD_SPLITS = ("train", "dev")  # test is never pooled


def event_folds(events: Sequence[str], k: int) -> list[list[int]]:
    """Split example indices into ``k`` folds of whole events, balanced by example count.

    Greedy: events largest first (ties by name), each into the fold with the fewest examples so
    far (ties: the lower fold). The folds depend only on the events and their sizes, not on the
    order of the examples. Each fold's indices come back sorted.
    """
    if k < 2:
        raise ConfigError(f"event folds: k must be at least 2, got {k}", hint="use 3 to 5 folds")
    members: dict[str, list[int]] = {}
    for index, event in enumerate(events):
        members.setdefault(event, []).append(index)
    if len(members) < k:
        raise ConfigError(
            f"event folds: {len(members)} event(s) cannot fill {k} folds",
            hint=f"use at most {len(members)} folds",
        )
    folds: list[list[int]] = [[] for _ in range(k)]
    for event in sorted(members, key=lambda e: (-len(members[e]), e)):
        smallest = min(range(k), key=lambda f: (len(folds[f]), f))
        folds[smallest].extend(members[event])
    return [sorted(fold) for fold in folds]


def fold_unit(platform: str, event: str, group_id: str) -> str:
    """What a fold holds out whole: the event on Twitter, the thread on Reddit.

    RumourEval's test split has only new Twitter events but the same five subreddits as train and
    dev (new threads); a Reddit ``event`` is a subreddit, a community rather than a news event,
    and each Reddit thread is its own rumour. Holding out Reddit threads mirrors test."""
    if platform == "reddit":
        return f"reddit:{group_id.removeprefix('re:')}"
    return f"{platform}:{event}"


@dataclass(frozen=True, slots=True)
class FoldPool:
    """RumourEval train and dev replies pooled, each with the unit a fold holds out whole."""

    examples: StanceExamples
    platforms: tuple[str, ...]
    events: tuple[str, ...]
    units: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.examples)


def load_fold_pool(data_dir: Path) -> FoldPool:
    posts = [load_rumoureval_posts(data_dir, split) for split in FOLD_SPLITS]
    examples = concat_examples([p.examples for p in posts])
    platforms = tuple(x for p in posts for x in p.platforms)
    events = tuple(x for p in posts for x in p.events)
    return FoldPool(
        examples=examples,
        platforms=platforms,
        events=events,
        units=tuple(
            fold_unit(platform, event, group)
            for platform, event, group in zip(platforms, events, examples.group_ids, strict=True)
        ),
    )


def describe_folds(pool: FoldPool, folds: Sequence[Sequence[int]]) -> list[str]:
    """One line per fold: replies, SDQC counts, Twitter events and Reddit threads per subreddit."""
    lines = []
    for number, fold in enumerate(folds, start=1):
        labels = [pool.examples.targets[i] for i in fold]
        sdqc = " ".join(f"{name[0].upper()}{labels.count(c)}" for c, name in enumerate(SDQC))
        twitter: dict[str, int] = {}
        reddit: dict[str, set[str]] = {}
        reddit_replies: dict[str, int] = {}
        for i in fold:
            if pool.platforms[i] == "reddit":
                reddit.setdefault(pool.events[i], set()).add(pool.units[i])
                reddit_replies[pool.events[i]] = reddit_replies.get(pool.events[i], 0) + 1
            else:
                twitter[pool.events[i]] = twitter.get(pool.events[i], 0) + 1
        events = ", ".join(f"{e} {n}" for e, n in sorted(twitter.items(), key=lambda x: -x[1]))
        subreddits = ", ".join(
            f"r/{s} {reddit_replies[s]} ({len(reddit[s])} thread{'s' * (len(reddit[s]) > 1)})"
            for s in sorted(reddit)
        )
        lines.append(
            f"fold {number}: {len(fold)} replies ({sdqc}); twitter: {events or '-'}; "
            f"reddit: {subreddits or '-'}"
        )
    return lines


def export_onnx(net: Any, path: Path, opset: int = 17) -> None:
    """Export with dynamic batch and sequence axes (dynamic padding at inference).

    Attention is exported in its eager form: onnxruntime's transformer optimizer recognises
    that pattern and fuses it (:func:`fuse_graph`), the SDPA export it leaves alone."""
    import torch  # noqa: PLC0415

    net = net.cpu().eval()
    net.encoder.set_attn_implementation("eager")
    ids = torch.ones((2, 16), dtype=torch.int64)
    mask = torch.ones((2, 16), dtype=torch.int64)
    feats = torch.zeros((2, len(FEATURE_NAMES)), dtype=torch.float32)
    torch.onnx.export(
        net,
        (ids, mask, feats),
        str(path),
        input_names=["input_ids", "attention_mask", "features"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "features": {0: "batch"},
            "logits": {0: "batch"},
        },
        opset_version=opset,
        dynamo=False,
    )


def fuse_graph(source: Path, target: Path, *, num_heads: int = 12) -> dict[str, int]:
    """Fuse attention, embedding and skip layer norms, and GELU (onnxruntime's BERT optimizer).

    Fewer, larger operators: on 2 cores the int8 graph ran 1.03x faster at batch 32 and 1.66x
    at batch 8, the fused graph's best size (MODEL_CARD.md). Returns the fused operator counts."""
    from onnxruntime.transformers import optimizer  # noqa: PLC0415

    fused = optimizer.optimize_model(
        str(source), model_type="bert", num_heads=num_heads, hidden_size=HIDDEN_SIZE, opt_level=0
    )
    fused.save_model_to_file(str(target))
    counts: dict[str, int] = fused.get_fused_operator_statistics()
    return {name: n for name, n in counts.items() if n}


def quantize_int8(source: Path, target: Path) -> None:
    import onnx  # noqa: PLC0415
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    # Per-channel weights with the 7-bit range: on dev this kept 97% argmax agreement with the
    # fp32 model and its macro-F1 (0.510 vs 0.510), where per-tensor int8 lost 3 points. The
    # 7-bit range also keeps CPUs without VNNI from saturating.
    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=True,
        # Fused operators (com.microsoft domain) defeat ONNX shape inference; their
        # weights are float.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _recipe_key(config: MiniLMTrainConfig) -> str:
    return json.dumps(asdict(replace(config, seed=0)), sort_keys=True)


def _save_chunks(payload: dict[str, Any], out: Path, stem: str) -> list[str]:
    """torch.save into files of at most 16 MB (the GPU box returns at most 16 MiB per file)."""
    import io  # noqa: PLC0415

    import torch  # noqa: PLC0415

    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    chunk = 16_000_000
    names = []
    for i in range(0, len(data), chunk):
        name = f"{stem}.part{i // chunk}"
        (out / name).write_bytes(data[i : i + chunk])
        names.append(name)
    return names


def load_chunks(directory: Path, stem: str) -> dict[str, Any]:
    """Inverse of :func:`_save_chunks`: the saved payload (config, best epoch, fp16 state)."""
    import io  # noqa: PLC0415

    import torch  # noqa: PLC0415

    parts = sorted(directory.glob(f"{stem}.part*"), key=lambda p: int(p.suffix[len(".part") :]))
    if not parts:
        raise FileNotFoundError(f"no {stem}.part* files in {directory}")
    payload: dict[str, Any] = torch.load(
        io.BytesIO(b"".join(p.read_bytes() for p in parts)), weights_only=True
    )
    return payload


def _within_budget(
    entries: Sequence[tuple[int, MiniLMTrainConfig]], seconds: float
) -> Iterator[tuple[int, MiniLMTrainConfig]]:
    """Grid entries in order until ``seconds`` have passed; a started entry always finishes."""
    deadline = time.perf_counter() + seconds
    for index, config in entries:
        if time.perf_counter() > deadline:
            print(f"[{index}] budget spent; skipped {asdict(config)}", flush=True)
            continue
        yield index, config


def _tagged_print(tag: str, message: str) -> None:
    print(tag, message, flush=True)


def _experiment(args: argparse.Namespace) -> int:
    """Train a grid of configurations (this process's shard), record dev scores and states.

    Several shards run side by side on one GPU (one process each, ``--shard i/n``); ``select``
    then picks recipes by their mean over seeds, so one lucky seed does not pick the recipe.
    With ``--event-folds K`` each entry is trained K times on event-held-out folds instead
    (:func:`_fold_experiment`); no states are kept then.
    """
    import torch  # noqa: PLC0415

    data_dir = Path(args.data_dir)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    encoder_dir = Path(args.encoder_dir) if args.encoder_dir else minilm_dir()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = True
    shard, shards = (int(x) for x in args.shard.split("/"))
    grid = [replace(SHIPPED_CONFIG, **overrides) for overrides in json.loads(args.grid)]
    mine = [(i, c) for i, c in enumerate(grid) if i % shards == shard]
    teacher_dir = Path(args.teacher) if args.teacher else None
    if args.event_folds:
        if teacher_dir is not None or any(c.distill_weight > 0 for _, c in mine):
            raise ConfigError(
                "distillation cannot be scored on event folds: the teacher was trained on "
                "the held-out events' replies, so it would leak their labels into the student",
                hint="run distilled recipes without --event-folds (dev split)",
            )
        return _fold_experiment(
            args, mine, out=out, shard=shard, device=device, encoder_dir=encoder_dir
        )
    if teacher_dir is None and any(c.distill_weight > 0 for _, c in mine):
        raise ConfigError(
            "the grid has recipes with distill_weight > 0 but no --teacher",
            hint="name the model to distil from with --teacher DIR",
        )
    if teacher_dir is not None:
        refuse_leaking_teacher(teacher_dir, [c for _, c in mine])
    labelled: dict[tuple[bool, float, int, int] | None, TeacherLabels] = {}
    dev = load_rumoureval_posts(data_dir, "dev").examples
    if args.limit:
        dev = dev.subset(range(min(args.limit, len(dev))))
    results: list[dict[str, Any]] = []
    for index, config in _within_budget(mine, args.budget_seconds):
        print(f"[{index}] config {asdict(config)}", flush=True)
        train = _limited(training_examples(data_dir, config), args.limit)
        teacher: TeacherLabels | None = None
        if config.distill_weight > 0 and teacher_dir is not None:
            # Recipes that draw the same training pairs share one labelling pass; a saved
            # labels file covers every recipe.
            key = (
                (config.use_arc, config.arc_unrelated_per_related, config.seed, len(train))
                if teacher_dir.is_dir()
                else None
            )
            if key not in labelled:
                labelled[key] = teacher_source(teacher_dir, train, threads=args.threads)
            teacher = labelled[key]
        run = train_run(
            config,
            train,
            dev,
            device=device,
            encoder_dir=encoder_dir,
            log=functools.partial(_tagged_print, f"[{index}]"),
            teacher=None if teacher is None else teacher.for_examples(train),
        )
        tuned = tuned_macro_f1(run.dev_logits, dev.targets)
        teacher_info = None if teacher is None else teacher.info()
        results.append(
            {
                "index": index,
                "config": asdict(config),
                "recipe": _recipe_key(config),
                "best_epoch": run.best_epoch,
                "dev_macro_f1": run.dev_macro_f1,
                "dev_macro_f1_tuned": tuned,
                "history": run.history,
                "seconds": run.seconds,
                "examples_per_epoch": run.examples_per_epoch,
                "teacher": teacher_info,
            }
        )
        torch.save(
            {
                "config": asdict(config),
                "teacher": teacher_info,
                "best_epoch": run.best_epoch,
                "state": {
                    k: v.half() if v.is_floating_point() else v for k, v in run.state.items()
                },
            },
            out / f"run{index}.pt",
        )
        np.save(out / f"run{index}.dev_logits.npy", run.dev_logits)
        (out / f"results{shard}.json").write_text(json.dumps(results, indent=1))
    return 0


def _limited(examples: StanceExamples, limit: int) -> StanceExamples:
    """Smoke runs (``--limit``): a fixed random sample of the training examples."""
    if not limit:
        return examples
    return examples.subset(np.random.default_rng(0).permutation(len(examples))[:limit].tolist())


def _fold_experiment(
    args: argparse.Namespace,
    mine: Sequence[tuple[int, MiniLMTrainConfig]],
    *,
    out: Path,
    shard: int,
    device: str,
    encoder_dir: Path,
) -> int:
    """Each grid entry trained once per event-held-out fold of RumourEval train + dev replies.

    A fold trains on the other folds' replies plus the recipe's ARC pairs and picks its epoch
    on its held-out replies. ``dev_macro_f1`` is the fold-mean curve at its best epoch, so
    ``select`` ranks recipes by event-held-out scores. An entry that has started finishes all
    its folds even past ``--budget-seconds``. The held-out logits of every fold are saved
    (``run<i>.oof_logits.npy``, rows in pool order, NaN where ``--limit`` left a reply out);
    model states are not: no single model stands for K folds.
    """
    data_dir = Path(args.data_dir)
    k = args.event_folds
    pool = load_fold_pool(data_dir)
    folds = event_folds(pool.units, k)
    print(
        f"{k} event-held-out folds over {len(pool)} RumourEval {'+'.join(FOLD_SPLITS)} replies "
        f"({len(set(pool.units))} units: Twitter events, Reddit threads)",
        flush=True,
    )
    for line in describe_folds(pool, folds):
        print(f"  {line}", flush=True)
    (out / "folds.json").write_text(
        json.dumps(
            {
                "k": k,
                "splits": list(FOLD_SPLITS),
                "units": [sorted({pool.units[i] for i in fold}) for fold in folds],
                "replies": [len(fold) for fold in folds],
            },
            indent=1,
        )
    )
    results: list[dict[str, Any]] = []
    for index, config in _within_budget(mine, args.budget_seconds):
        print(f"[{index}] config {asdict(config)} on {k} event folds", flush=True)
        oof = np.full((len(pool), len(CLASSES)), np.nan, dtype=np.float32)
        details: list[dict[str, Any]] = []
        for number, fold_indices in enumerate(folds, start=1):
            held_out = fold_indices[: args.limit or None]
            rest = sorted(i for other, fold in enumerate(folds, 1) if other != number for i in fold)
            train = _limited(
                training_examples(data_dir, config, replies=pool.examples.subset(rest)),
                args.limit,
            )
            held = pool.examples.subset(held_out)
            run = train_run(
                config,
                train,
                held,
                device=device,
                encoder_dir=encoder_dir,
                log=functools.partial(_tagged_print, f"[{index} fold {number}/{k}]"),
                held_out_name="held-out fold replies",
            )
            oof[held_out] = run.dev_logits
            details.append(
                {
                    "fold": number,
                    "held_out_replies": len(held_out),
                    "train_examples": len(train),
                    "examples_per_epoch": run.examples_per_epoch,
                    "best_epoch": run.best_epoch,
                    "macro_f1": run.dev_macro_f1,
                    "macro_f1_tuned": tuned_macro_f1(run.dev_logits, held.targets),
                    "history": run.history,
                    "seconds": run.seconds,
                }
            )
        results.append(_fold_result(index, config, details))
        np.save(out / f"run{index}.oof_logits.npy", oof)
        per_fold = ", ".join(f"{d['macro_f1']:.4f}" for d in details)
        print(
            f"[{index}] event folds: mean macro-F1 {results[-1]['dev_macro_f1']:.4f} "
            f"(folds {per_fold}), with offsets {results[-1]['dev_macro_f1_tuned']:.4f}",
            flush=True,
        )
        (out / f"results{shard}.json").write_text(json.dumps(results, indent=1))
    return 0


def _fold_result(
    index: int, config: MiniLMTrainConfig, details: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """One grid entry's record, shaped like a dev-split run so ``select_runs`` reads it as is.

    ``best_epoch`` is the epoch with the best mean over the folds: the epoch count to retrain
    with when no held-out split is left to choose it; ``dev_macro_f1`` is that mean. The tuned
    score averages each fold's best epoch with offsets fitted on that fold (optimistic)."""
    curves = np.asarray([d["history"] for d in details], dtype=np.float64)
    return {
        "index": index,
        "config": asdict(config),
        "recipe": _recipe_key(config),
        "event_folds": len(details),
        "best_epoch": int(curves.mean(axis=0).argmax()) + 1,
        # One epoch for all folds (the one a retrain would use), not each fold's own best:
        # picking the epoch per fold on the replies it scores would flatter every recipe.
        "dev_macro_f1": float(curves.mean(axis=0).max()),
        "dev_macro_f1_tuned": float(np.mean([d["macro_f1_tuned"] for d in details])),
        "history": curves.mean(axis=0).tolist(),
        "seconds": float(sum(d["seconds"] for d in details)),
        "examples_per_epoch": round(float(np.mean([d["examples_per_epoch"] for d in details]))),
        "folds": list(details),
    }


def select_runs(runs: Sequence[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per max length: the recipe with the best mean raw dev score over its seeds, then its
    seed with the best dev score after offsets (what ships). Fixed before any grid was run."""
    chosen: dict[int, dict[str, Any]] = {}
    for length in sorted({r["config"]["max_length"] for r in runs}):
        recipes = _by_recipe([r for r in runs if r["config"]["max_length"] == length])
        seeds = max(recipes.values(), key=_mean_raw)
        best = max(seeds, key=lambda r: r["dev_macro_f1_tuned"])
        chosen[length] = {
            "index": best["index"],
            "recipe_mean_dev": _mean_raw(seeds),
            "seeds": len(seeds),
            "run": best,
        }
    return chosen


def _by_recipe(runs: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Runs grouped by recipe (their configuration but the seed), in first-seen order."""
    recipes: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        recipes.setdefault(run["recipe"], []).append(run)
    return recipes


def _mean_raw(seeds: Sequence[dict[str, Any]]) -> float:
    return float(np.mean([r["dev_macro_f1"] for r in seeds]))


def _changed_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The settings of ``config`` (a MiniLMTrainConfig as a dict) that differ from the shipped
    recipe, the seed left out."""
    shipped = asdict(SHIPPED_CONFIG)
    return {k: v for k, v in config.items() if k != "seed" and shipped[k] != v}


def _label(args: argparse.Namespace) -> int:
    from analyzer.stance.minilm_stance import DEFAULT_MODEL_DIR  # noqa: PLC0415

    teacher_dir = Path(args.teacher) if args.teacher else DEFAULT_MODEL_DIR
    pool = labelling_pool(Path(args.data_dir))
    started = time.perf_counter()
    labels = teacher_logits(teacher_dir, pool, threads=args.threads)
    out = Path(args.out)
    labels.save(out)
    print(
        f"labelled {len(pool)} pairs with minilm_stance {labels.version} in "
        f"{time.perf_counter() - started:.0f} s: {out} ({out.stat().st_size / 1e6:.1f} MB)"
    )
    return 0


def _select(args: argparse.Namespace) -> int:
    """Gather the shards' results, print a table per recipe, write the chosen runs in chunks."""
    import torch  # noqa: PLC0415

    runs_dir, out = Path(args.runs), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = [r for f in sorted(runs_dir.glob("results*.json")) for r in json.loads(f.read_text())]
    table = []
    for key, members in _by_recipe(runs).items():
        raw = [r["dev_macro_f1"] for r in members]
        table.append(
            {
                "recipe": _changed_settings(json.loads(key)),
                "seeds": len(members),
                "mean_raw": _mean_raw(members),
                "std_raw": float(np.std(raw)),
                "mean_tuned": float(np.mean([r["dev_macro_f1_tuned"] for r in members])),
                "best_epochs": [r["best_epoch"] for r in members],
            }
        )
        print(json.dumps(table[-1]), flush=True)
    chosen = select_runs(runs)
    for length, pick in chosen.items():
        print(f"chosen at {length} tokens: {json.dumps(pick)}", flush=True)
        if "event_folds" in pick["run"]:
            pick["files"] = []
            print(_retrain_advice(pick["run"]), flush=True)
            continue
        payload = torch.load(runs_dir / f"run{pick['index']}.pt", weights_only=True)
        pick["files"] = _save_chunks(payload, out, f"weights{length}")
        print(f"  weights: {', '.join(pick['files'])}", flush=True)
    (out / "results.json").write_text(
        json.dumps({"runs": runs, "recipes": table, "chosen": chosen}, indent=1)
    )
    return 0


def _retrain_advice(run: dict[str, Any]) -> str:
    """What to do with a recipe chosen on event folds: it has no weights of its own."""
    config = MiniLMTrainConfig(**run["config"])
    overrides = _changed_settings(asdict(config))
    cli = {"seed", "epochs", "max_length", "num_layers"}
    command = (
        "comment-analyzer train stance "
        f"--seed {config.seed} --epochs {config.epochs} --max-length {config.max_length}"
        + (f" --num-layers {config.num_layers}" if config.num_layers != 6 else "")
        if set(overrides) <= cli
        else f"python -m analyzer.stance.training_minilm experiment --grid "
        f"'{json.dumps([{**overrides, 'seed': config.seed}])}' (no --event-folds), then select "
        "and ship"
    )
    return (
        f"  chosen on {run['event_folds']} event-held-out folds: no weights were kept (each fold "
        f"trained its own model). Retrain this recipe in full on RumourEval train replies + ARC, "
        f"epoch and calibration on dev (mean best epoch over folds: {run['best_epoch']}):\n"
        f"    {command}"
    )


def _ship(args: argparse.Namespace) -> int:
    """Export chunked weights from ``select`` as an int8 model dir calibrated on dev."""
    payload = load_chunks(Path(args.weights), args.stem)
    config = MiniLMTrainConfig(**payload["config"])
    encoder_dir = minilm_dir()
    net = build_net(config, encoder_dir)
    net.load_state_dict(
        {k: v.float() if v.is_floating_point() else v for k, v in payload["state"].items()}
    )
    write_model_dir(
        net,
        config,
        Path(args.data_dir),
        Path(args.out),
        encoder_dir=encoder_dir,
        training_note=args.note,
        teacher=payload.get("teacher"),
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analyzer.stance.training_minilm")
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("experiment", help="train a grid of configs, keep the best on dev")
    exp.add_argument("--data-dir", required=True)
    exp.add_argument("--out", required=True)
    exp.add_argument("--encoder-dir", default=None)
    exp.add_argument("--grid", default="[{}]", help="JSON list of MiniLMTrainConfig overrides")
    exp.add_argument("--budget-seconds", type=float, default=300.0)
    exp.add_argument("--limit", type=int, default=0, help="smoke test: use this many examples")
    exp.add_argument("--shard", default="0/1", help="i/n: train grid entries i, i+n, ...")
    exp.add_argument("--threads", type=int, default=0)
    exp.add_argument(
        "--teacher",
        default=None,
        help="minilm_stance model dir, or a `label` .npz file, giving the teacher's logits for "
        "recipes with distill_weight > 0 (dev split only)",
    )
    exp.add_argument(
        "--event-folds",
        type=int,
        default=0,
        help="K >= 2: score each entry on K folds of whole RumourEval events (train + dev "
        "replies pooled) instead of the dev split; no weights are kept. 0: dev split",
    )
    label = sub.add_parser(
        "label", help="save a teacher's logits on every trainable pair, for distilling elsewhere"
    )
    label.add_argument("--data-dir", required=True)
    label.add_argument("--teacher", default=None, help="default: the shipped minilm_stance")
    label.add_argument("--out", required=True, help="the .npz file to write")
    label.add_argument("--threads", type=int, default=0)
    folds = sub.add_parser("folds", help="print the event-held-out folds (no training)")
    folds.add_argument("--data-dir", required=True)
    folds.add_argument("--k", type=int, default=3)
    pick = sub.add_parser("select", help="pick recipes by mean dev score over seeds")
    pick.add_argument("--runs", required=True, help="the --out folder of the experiment shards")
    pick.add_argument("--out", required=True)
    ship = sub.add_parser("ship", help="export chosen weights as a calibrated int8 model dir")
    ship.add_argument("--weights", required=True, help="folder with the <stem>.part* files")
    ship.add_argument("--stem", required=True, help="e.g. weights64")
    ship.add_argument("--data-dir", required=True)
    ship.add_argument("--out", required=True)
    ship.add_argument("--note", default="")
    gate = sub.add_parser(
        "gate", help="fit the lexical gate (cascade) and the dev calibration of a model dir"
    )
    gate.add_argument("--data-dir", required=True)
    gate.add_argument("--model-dir", default=None, help="default: the shipped minilm_stance")
    gate.add_argument("--max-length", type=int, default=GATE_MAX_LENGTH)
    gate.add_argument(
        "--max-comment-chars",
        type=int,
        default=None,
        help="longer comments always go to the encoder (default: no limit)",
    )
    gate.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "gate":
        from analyzer.stance.minilm_stance import DEFAULT_MODEL_DIR  # noqa: PLC0415

        model_dir = Path(args.model_dir) if args.model_dir else DEFAULT_MODEL_DIR
        fit_gate(
            Path(args.data_dir),
            model_dir,
            max_length=args.max_length,
            max_comment_chars=args.max_comment_chars,
            threads=args.threads,
        )
        return 0
    if args.command == "label":
        return _label(args)
    if args.command == "select":
        return _select(args)
    if args.command == "folds":
        pool = load_fold_pool(Path(args.data_dir))
        for line in describe_folds(pool, event_folds(pool.units, args.k)):
            print(line)
        return 0
    if args.command == "ship":
        return _ship(args)
    return _experiment(args)


def write_model_dir(
    net: Any,
    config: MiniLMTrainConfig,
    data_dir: Path,
    out_dir: Path,
    *,
    encoder_dir: Path,
    context_chars: int = 600,
    training_note: str = "",
    teacher: dict[str, str] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Export to int8 ONNX, fit offsets + temperature on dev with the int8 graph, write the dir.

    ``teacher`` (version, sha256 of its graph) is recorded when the network was distilled."""
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from analyzer.stance.minilm_stance import (  # noqa: PLC0415
        CHECKSUM_FILE,
        MANIFEST_FILE,
        MODEL_FORMAT,
        MODEL_FORMAT_VERSION,
        TOKENIZER_FILE,
        MiniLMStanceClassifier,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_name = "model.int8.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        fp32, fused = Path(tmp) / "model.fp32.onnx", Path(tmp) / "model.fused.onnx"
        export_onnx(net, fp32)
        operators = fuse_graph(fp32, fused)
        log(f"fused operators: {operators}")
        quantize_int8(fused, out_dir / onnx_name)
    shutil.copyfile(encoder_dir / "tokenizer.json", out_dir / TOKENIZER_FILE)
    checksum = sha256_file(out_dir / onnx_name)
    (out_dir / CHECKSUM_FILE).write_text(f"{checksum}  {onnx_name}\n", encoding="utf-8")
    manifest: dict[str, Any] = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "version": MiniLMStanceClassifier.version,
        "onnx_file": onnx_name,
        "classes": list(CLASSES),
        "feature_names": list(FEATURE_NAMES),
        "max_length": config.max_length,
        "context_chars": context_chars,
        "offsets": [0.0] * len(CLASSES),
        "temperature": 1.0,
        "training": {"config": asdict(config), "note": training_note},
    }
    if teacher is not None:
        manifest["training"]["teacher"] = teacher
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    manifest = calibrate_model_dir(out_dir, data_dir, log=log)
    if config.arc_calibration_holdout:
        manifest = calibrate_long_comments(out_dir, data_dir, log=log)
        manifest = check_claim_polarity(out_dir, data_dir, log=log)
    return manifest


def calibrate_model_dir(
    out_dir: Path, data_dir: Path, *, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Fit the class offsets and temperature on RumourEval dev replies with the shipped graph.

    A long-comment calibration and the claim-polarity check build on these offsets, so earlier
    ones are dropped here; ``write_model_dir`` redoes both."""
    from analyzer.stance.calibration import (  # noqa: PLC0415
        fit_temperature,
        product_calibration,
    )
    from analyzer.stance.minilm_stance import MANIFEST_FILE, MiniLMStanceModel  # noqa: PLC0415

    manifest: dict[str, Any] = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest.update(offsets=[0.0] * len(CLASSES), temperature=1.0)
    for built_on_these_offsets in ("long_comments", "long_comments_rejected", "claim_polarity"):
        manifest.pop(built_on_these_offsets, None)
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    model = MiniLMStanceModel(out_dir)
    dev = load_rumoureval_posts(data_dir, "dev").examples
    logits = model.raw_logits(dev.segment_a(), list(dev.comments), dev.features())
    gold = list(dev.targets)
    offsets = fit_offsets(logits, gold)
    temperature = fit_temperature(logits + offsets, gold)
    proba = softmax((logits + offsets) / temperature)
    decisions = sdqc_decisions(proba)
    raw_f1 = sdqc_macro_f1(gold, sdqc_decisions(softmax(logits)))
    tuned_f1 = sdqc_macro_f1(gold, decisions)
    product_gold = [min(g, 2) if g < 4 else 3 for g in gold]  # support, oppose, neutral, unrelated
    report = product_calibration(proba, product_gold)
    manifest.update(
        offsets=[round(float(x), 4) for x in offsets],
        temperature=round(temperature, 4),
        dev={"sdqc_macro_f1_raw": raw_f1, "sdqc_macro_f1_tuned": tuned_f1, "ece": report.ece},
    )
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    log(
        f"dev replies: SDQC macro-F1 raw {raw_f1:.4f}, with offsets {tuned_f1:.4f}; "
        f"offsets {np.round(offsets, 2).tolist()}, temperature {temperature:.3f}, "
        f"ECE {report.ece:.4f}"
    )
    return manifest


# Longer than a tweet: RumourEval's replies mostly are not, news comments mostly are.
LONG_COMMENT_CHARS = 281


def _calibration_debate_pairs(
    out_dir: Path, data_dir: Path
) -> tuple[dict[str, Any], ArcPairs, list[int]]:
    """The model's manifest and the related train-file pairs of ARC's calibration debates;
    refuses a model whose recipe trained on those debates."""
    from analyzer.stance.minilm_stance import MANIFEST_FILE  # noqa: PLC0415

    manifest: dict[str, Any] = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    if not _kept_calibration_debates_out(manifest):
        raise ConfigError(
            f"{out_dir} was trained on ARC's calibration debates",
            hint="retrain with arc_calibration_holdout to calibrate or check on unseen debates",
        )
    pairs = load_arc_pairs(data_dir, ("train",))  # the official test file is for reporting
    rows = arc_calibration_rows(pairs, load_arc_pairs(data_dir, ("train", "test")))
    return manifest, pairs, rows


def calibrate_long_comments(
    out_dir: Path, data_dir: Path, *, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Fit the long-comment calibration (``calibration.fit_long_comment_calibration``) on the
    related train-file pairs of ARC's calibration debates with comments of at least
    ``LONG_COMMENT_CHARS``, with the shipped graph; the recipe must have kept those debates out
    of training. The manifest gets ``long_comments`` when its cross-validation shows a gain, and
    ``long_comments_rejected`` (which the model ignores) when it does not."""
    from analyzer.stance.calibration import fit_long_comment_calibration  # noqa: PLC0415
    from analyzer.stance.minilm_stance import MANIFEST_FILE, MiniLMStanceModel  # noqa: PLC0415

    manifest, pairs, rows = _calibration_debate_pairs(out_dir, data_dir)
    rows = [i for i in rows if len(pairs.bodies[i]) >= LONG_COMMENT_CHARS]
    examples = arc_examples(pairs, rows)
    model = MiniLMStanceModel(out_dir)
    logits = model.raw_logits(examples.segment_a(), list(examples.comments), examples.features())
    fitted = fit_long_comment_calibration(
        logits,
        [ARC_RELATED.index(pairs.stances[i]) for i in rows],
        list(examples.targets),
        [pairs.debates[i] for i in rows],
        default_offsets=manifest["offsets"],
        default_temperature=float(manifest["temperature"]),
    )
    debates = len({pairs.debates[i] for i in rows})
    entry = {
        "min_chars": LONG_COMMENT_CHARS,
        "offsets": list(fitted.offsets),
        "temperature": fitted.temperature,
        "fitted_on": (
            f"{len(rows)} related ARC train-file pairs of {debates} calibration debates "
            f"(comments of at least {LONG_COMMENT_CHARS} characters), kept out of training"
        ),
        "cross_validated": {
            "folds": f"{fitted.folds}, by debate; out-of-fold probabilities pooled",
            "related_macro_f1": fitted.related_macro_f1,
            "ece": fitted.ece,
            "default_calibration_related_macro_f1": fitted.default_related_macro_f1,
            "default_calibration_ece": fitted.default_ece,
        },
        "summary": fitted.summary(),
    }
    manifest.pop("long_comments", None)
    manifest.pop("long_comments_rejected", None)
    manifest["long_comments" if fitted.applied else "long_comments_rejected"] = entry
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    log(
        f"long comments ({len(rows)} ARC calibration pairs): offsets "
        f"{np.round(fitted.offsets, 2).tolist()}, temperature {fitted.temperature:.3f}; "
        f"{fitted.summary()}"
    )
    return manifest


def check_claim_polarity(
    out_dir: Path, data_dir: Path, *, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Score the shipped model on the related pairs of ARC's calibration debates as given and
    with every claim negated (``calibration.claim_polarity``), and record it in the manifest:
    a model that reads only the comment's tone swaps no decision. Needs a recipe that kept
    those debates out of training."""
    from analyzer.stance.calibration import claim_polarity  # noqa: PLC0415
    from analyzer.stance.minilm_stance import MANIFEST_FILE, MiniLMStanceModel  # noqa: PLC0415

    manifest, pairs, rows = _calibration_debate_pairs(out_dir, data_dir)
    rows = [i for i in rows if negated_claim(pairs.claims[i]) is not None]
    examples = arc_examples(pairs, rows)
    negated = replace(examples, contexts=tuple(str(negated_claim(c)) for c in examples.contexts))
    model = MiniLMStanceModel(out_dir)
    check = claim_polarity(
        model.proba(examples.segment_a(), list(examples.comments), examples.features()),
        model.proba(negated.segment_a(), list(negated.comments), negated.features()),
        [ARC_RELATED.index(pairs.stances[i]) for i in rows],
    )
    manifest["claim_polarity"] = {**asdict(check), "summary": check.summary()}
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    log(f"claim polarity on the calibration debates: {check.summary()}")
    return manifest


def train_and_ship(
    data_dir: Path,
    out_dir: Path,
    *,
    config: MiniLMTrainConfig = SHIPPED_CONFIG,
    threads: int = 0,
    teacher_dir: Path | None = None,
    log: Callable[[str], None] = print,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """The shipped recipe end to end: train, pick the epoch on dev, export int8, calibrate.

    On 2 CPU cores one epoch (about 10k examples at up to 128 tokens) took 11.5 minutes and
    the whole recipe 55 minutes (MODEL_CARD.md); a CUDA device is used when present. With
    ``config.distill_weight`` > 0 the model in ``teacher_dir`` labels the training pairs first.
    """
    import torch  # noqa: PLC0415

    if (config.distill_weight > 0) != (teacher_dir is not None):
        raise ConfigError(
            f"distill_weight is {config.distill_weight} but teacher_dir is {teacher_dir}",
            hint="give a teacher model directory exactly when distilling",
        )
    if teacher_dir is not None:
        refuse_leaking_teacher(teacher_dir, [config])
    if threads:
        torch.set_num_threads(threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    encoder_dir = minilm_dir()
    dev = load_rumoureval_posts(data_dir, "dev").examples
    train = training_examples(data_dir, config)
    teacher: TeacherLabels | None = None
    if teacher_dir is not None:
        action = "labelling" if teacher_dir.is_dir() else "reading the saved labels of"
        log(f"teacher {teacher_dir}: {action} {len(train)} training pairs")
        teacher = teacher_source(teacher_dir, train, threads=threads)
    log(
        f"training on {len(train)} examples ({device}); "
        f"the epoch is chosen on {len(dev)} dev replies"
    )
    run = train_run(
        config,
        train,
        dev,
        device=device,
        encoder_dir=encoder_dir,
        log=log,
        on_progress=on_progress,
        teacher=None if teacher is None else teacher.for_examples(train),
    )
    net = build_net(config, encoder_dir)
    net.load_state_dict(run.state)
    note = (
        f"trained with `comment-analyzer train stance` on {device}; best dev epoch "
        f"{run.best_epoch} of {config.epochs}; {run.seconds / 60:.1f} min"
    )
    teacher_info = None
    if teacher is not None:
        note += f"; distilled from minilm_stance {teacher.version}"
        teacher_info = teacher.info()
    return write_model_dir(
        net,
        config,
        data_dir,
        out_dir,
        encoder_dir=encoder_dir,
        training_note=note,
        teacher=teacher_info,
        log=log,
    )


# -- the lexical gate (cascade.py) ----------------------------------------------------------------

GATE_C = 0.1  # inverse regularisation of the gate's logistic regression (dev: 0.03-1 all alike)
GATE_POLAR_GRID = (0.10, 0.12, 0.15, 0.18, 0.20)
GATE_UNRELATED_BELOW = 0.5  # comments the baseline may call unrelated always go to the encoder
GATE_MAX_LENGTH = 64  # inference length chosen on dev (the encoder was trained at 128)
GATE_FOLDS = 5


@dataclass(frozen=True, slots=True)
class _SplitInputs:
    comments: list[Any]  # Comment
    articles: dict[str, Any]  # article_id -> Article
    gold: list[int]  # SDQC index
    features: npt.NDArray[np.float32]


def _split_inputs(data_dir: Path, split: str, batch: int = 2048) -> _SplitInputs:
    """Replies with text and their conversation features, batched as the pipeline does."""
    from analyzer.stance.evaluation import rumoureval_corpus  # noqa: PLC0415
    from analyzer.stance.features import conversation_features  # noqa: PLC0415
    from analyzer.stance.minilm_stance import thread_structure  # noqa: PLC0415

    frame, corpus = rumoureval_corpus(data_dir, split)
    label_of = dict(zip(frame["post_id"], frame["label"].str.strip().str.lower(), strict=True))
    comments = list(corpus.comments)
    blocks = []
    for start in range(0, len(comments), batch):
        chunk = comments[start : start + batch]
        thread = thread_structure(chunk)
        blocks.append(conversation_features([c.text for c in chunk], thread.parents, thread.depths))
    return _SplitInputs(
        comments=comments,
        articles={a.article_id: a for a in corpus.articles},
        gold=[SDQC.index(label_of[c.comment_id]) for c in comments],
        features=np.vstack(blocks) if blocks else np.zeros((0, len(FEATURE_NAMES)), np.float32),
    )


def out_of_fold_baseline(
    data_dir: Path, train: _SplitInputs, *, log: Callable[[str], None] = print
) -> Any:
    """The TF-IDF baseline's outputs on RumourEval train replies, each from a baseline refitted
    (shipped recipe and C) without that reply's thread: five thread-grouped folds."""
    from analyzer.stance.baseline import read_model, resolve_model_path  # noqa: PLC0415
    from analyzer.stance.cascade import BaselineOutputs, baseline_outputs  # noqa: PLC0415
    from analyzer.stance.datasets import (  # noqa: PLC0415
        concat_pairs,
        load_arc,
        load_rumoureval,
        split_by_group,
    )
    from analyzer.stance.training import TrainingConfig, fit_model  # noqa: PLC0415

    shipped_path = resolve_model_path(None)
    shipped, _ = read_model(shipped_path)
    shipped_manifest = json.loads((shipped_path.parent / "manifest.json").read_text("utf-8"))
    config = TrainingConfig()
    replies = load_rumoureval(data_dir, "train").replies().with_text()
    arc_fit, _ = split_by_group(
        load_arc(data_dir, "train"),
        held_out_fraction=config.arc_held_out_fraction,
        seed=int(shipped_manifest["seed"]),
    )
    threads = sorted({c.article_id for c in train.comments})
    rng = np.random.default_rng(0)
    fold_of = dict(zip(threads, (rng.permutation(len(threads)) % GATE_FOLDS).tolist(), strict=True))
    proba = np.zeros((len(train.comments), 4))
    questioning = np.zeros(len(train.comments))
    for fold in range(GATE_FOLDS):
        keep = [i for i, g in enumerate(replies.group_ids) if fold_of.get(g, -1) != fold]
        part = replies.subset(keep)
        pairs = concat_pairs([part, arc_fit], dataset="rumoureval2019+arc", split="fit")
        model = replace(
            fit_model(pairs, part, config, c=float(shipped_manifest["C"])),
            temperature=shipped.temperature,
        )
        rows = [i for i, c in enumerate(train.comments) if fold_of[c.article_id] == fold]
        outputs = baseline_outputs(model, [train.comments[i] for i in rows], train.articles)
        proba[rows] = outputs.proba
        questioning[rows] = outputs.questioning
        log(f"  baseline fold {fold + 1}/{GATE_FOLDS}: {len(rows)} held-out replies")
    return BaselineOutputs(proba=proba, questioning=questioning)


def fit_gate(
    data_dir: Path,
    model_dir: Path,
    *,
    max_length: int = GATE_MAX_LENGTH,
    max_comment_chars: int | None = None,
    threads: int = 0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The fast profile (``stance.fast``): fit the lexical gate on train (out-of-fold baseline),
    choose ``polar_below`` and refit the temperatures on dev, and write them, ``max_length`` and
    the dev metrics to the manifest's ``fast`` section (the default profile is not touched)."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    from analyzer.stance.baseline import read_model, resolve_model_path  # noqa: PLC0415
    from analyzer.stance.calibration import (  # noqa: PLC0415
        fit_temperature,
        product_calibration,
    )
    from analyzer.stance.cascade import (  # noqa: PLC0415
        LexicalGate,
        baseline_outputs,
        gate_inputs,
    )
    from analyzer.stance.minilm_stance import (  # noqa: PLC0415
        MANIFEST_FILE,
        MiniLMStanceClassifier,
        MiniLMStanceModel,
    )

    manifest_path = model_dir / MANIFEST_FILE
    manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    train = _split_inputs(data_dir, "train")
    log(f"gate: {len(train.comments)} train replies; baseline out of fold")
    train_baseline = out_of_fold_baseline(data_dir, train, log=log)
    x_train = gate_inputs(train_baseline, train.features)
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6
    regression = LogisticRegression(C=GATE_C, max_iter=3000).fit(
        (x_train - mean) / scale, train.gold
    )
    _, baseline_sha256 = read_model(resolve_model_path(None))
    draft = LexicalGate(
        mean=mean,
        scale=scale,
        coef=regression.coef_.astype(np.float64),
        intercept=regression.intercept_.astype(np.float64),
        polar_below=0.0,
        unrelated_below=GATE_UNRELATED_BELOW,
        temperature=1.0,
        baseline_sha256=baseline_sha256,
        max_comment_chars=max_comment_chars,
    )

    # Dev: the encoder's logits as analyze computes them (language gate, context, parents).
    model = MiniLMStanceModel(model_dir, threads=threads)
    model.tokenizer.max_length = max_length
    classifier = MiniLMStanceClassifier(model, explain=False)
    dev = _split_inputs(data_dir, "dev")
    usable: list[int] = []
    encoder_logits: list[npt.NDArray[np.float64]] = []
    for start in range(0, len(dev.comments), 2048):
        chunk = dev.comments[start : start + 2048]
        inputs = classifier.inputs(chunk, dev.articles)
        usable.extend(start + i for i in inputs.usable)
        encoder_logits.append(
            model.raw_logits(list(inputs.segment_a), list(inputs.texts), inputs.features)
        )
    logits = np.vstack(encoder_logits)
    gold = [dev.gold[i] for i in usable]
    dev_baseline = baseline_outputs(
        model_baseline(), [dev.comments[i] for i in usable], dev.articles
    )
    gate_logits = draft.logits(gate_inputs(dev_baseline, dev.features[usable]))
    dev_chars = [len(dev.comments[i].text) for i in usable]
    offsets = np.asarray(manifest["offsets"], dtype=np.float64)
    temperature = float(manifest["temperature"])  # the decision rule the offsets were tuned for
    encoder_pred = np.asarray(sdqc_decisions(softmax((logits + offsets) / temperature)))
    encoder_only = macro_f1(gold, encoder_pred.tolist(), len(SDQC))

    def cascade(polar_below: float) -> tuple[float, npt.NDArray[np.bool_]]:
        gate = replace(draft, polar_below=polar_below)
        decided = gate.decides(gate_logits, dev_baseline, dev_chars)
        pred = encoder_pred.copy()
        proba = softmax(gate_logits[decided])
        pred[decided] = np.where(proba[:, 2] > proba[:, 3], 2, 3)
        return macro_f1(gold, pred.tolist(), len(SDQC)), decided

    scores = {value: cascade(value)[0] for value in GATE_POLAR_GRID}
    for value, score in scores.items():
        log(f"  polar_below {value:.2f}: dev replies SDQC macro-F1 {score:.4f}")
    # Best on dev; among near-ties (within 0.002) the larger value, which skips more comments.
    top = max(scores.values())
    polar_below = max(v for v, f1 in scores.items() if f1 >= top - 0.002)
    score, decided = cascade(polar_below)
    hard = ~decided
    gold_array = np.asarray(gold)
    gate_temperature = fit_temperature(gate_logits[decided], gold_array[decided].tolist())
    encoder_temperature = fit_temperature(logits[hard] + offsets, gold_array[hard].tolist())
    gate = replace(draft, polar_below=polar_below, temperature=gate_temperature)
    proba5 = np.zeros_like(logits)
    unrelated = dev_baseline.proba[decided, 3:4]
    proba5[decided] = np.hstack(
        [
            gate.proba(gate_inputs(dev_baseline, dev.features[usable]))[decided] * (1 - unrelated),
            unrelated,
        ]
    )
    proba5[hard] = softmax((logits[hard] + offsets) / encoder_temperature)
    report = product_calibration(proba5, [min(g, 2) for g in gold])
    cascade_f1 = macro_f1(gold, sdqc_decisions(proba5), len(SDQC))
    manifest["version"] = MiniLMStanceClassifier.version
    manifest["fast"] = dict(
        max_length=max_length,
        temperature=round(encoder_temperature, 4),
        gate=gate.to_json(),
        dev={
            "replies_with_text": len(gold),
            "encoder_only_sdqc_macro_f1": encoder_only,
            "cascade_sdqc_macro_f1": cascade_f1,
            "gate_decided_share": float(decided.mean()),
            "polar_below_grid": {f"{k:.2f}": v for k, v in scores.items()},
            "ece": report.ece,
        },
    )
    manifest_path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    log(
        f"gate: polar_below {polar_below}, decides {decided.mean():.0%} of dev replies; dev "
        f"SDQC macro-F1 encoder only {encoder_only:.4f}, cascade {cascade_f1:.4f}; "
        f"temperatures gate {gate_temperature:.3f} encoder {encoder_temperature:.3f}; "
        f"ECE {report.ece:.4f}"
    )
    return manifest


def model_baseline() -> Any:
    from analyzer.stance.baseline import read_model, resolve_model_path  # noqa: PLC0415

    return read_model(resolve_model_path(None))[0]


if __name__ == "__main__":
    sys.exit(main())

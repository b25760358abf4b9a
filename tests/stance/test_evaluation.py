"""RumourEval scoring through the analyze path, on the synthetic stance data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analyzer.stance.evaluation import evaluate, format_result
from tests.stance.synthetic import write_stance_data


def _with_events(root: Path, dev_events: dict[str, str]) -> Path:
    """Twitter rows; train on event 'seen', dev posts on the events given (default 'seen')."""
    write_stance_data(root)
    path = root / "rumoureval2019" / "rumoureval2019_subtaskA.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["platform"] = "twitter"
    frame["event"] = [
        dev_events.get(post, "seen") if split == "dev" else "seen"
        for split, post in zip(frame["split"], frame["post_id"], strict=True)
    ]
    frame.to_csv(path, index=False)
    return root


def test_dev_is_also_scored_on_events_train_has_not_seen(tmp_path: Path) -> None:
    dev = pd.read_csv(write_stance_data(tmp_path / "probe") / "rumoureval2019" /
                      "rumoureval2019_subtaskA.csv", dtype=str, keep_default_na=False)  # fmt: skip
    dev_replies = dev[(dev["split"] == "dev") & (dev["depth"] != "0")]["post_id"].tolist()
    new = {post: "new-event" for post in dev_replies[::2]}
    data = _with_events(tmp_path / "data", new)
    result = evaluate("rumoureval2019", "dev", "tfidf_baseline", data)
    names = [m.name for m in result.metrics]
    assert names[2] == "dev replies on events not in train (SDQC)"
    assert result.metrics[2].n == len(new) < result.metrics[0].n == len(dev_replies)
    assert any(f"{len(new)} of the {len(dev_replies)} dev replies" in n for n in result.notes)
    assert "events not in train" in format_result(result)


def test_no_extra_block_when_every_reply_is_on_a_new_event_or_none_is(tmp_path: Path) -> None:
    data = _with_events(tmp_path / "seen", {})
    assert len(evaluate("rumoureval2019", "dev", "tfidf_baseline", data).metrics) == 2
    # test's events are all new in the synthetic data as in the real split: nothing to add
    frame = pd.read_csv(data / "rumoureval2019" / "rumoureval2019_subtaskA.csv", dtype=str)
    frame.loc[frame["split"] == "test", "event"] = "unseen"
    frame.to_csv(data / "rumoureval2019" / "rumoureval2019_subtaskA.csv", index=False)
    assert len(evaluate("rumoureval2019", "test", "tfidf_baseline", data).metrics) == 2

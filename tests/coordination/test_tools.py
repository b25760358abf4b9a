"""Researcher tools: --explain-params, the sensitivity grid, GraphML and edge-list exports."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.config import Settings, explain_params, load_settings
from analyzer.coordination.base import DETECTORS
from analyzer.coordination.sensitivity import parse_value, sensitivity, with_value
from analyzer.errors import ConfigError
from analyzer.model import AnalysisResult, Corpus
from analyzer.network_export import EDGE_COLUMNS, account_network, write_network
from analyzer.pipeline import Pipeline
from tests.builders import NeutralStance
from tests.coordination import threads


def _settings(without: tuple[str, ...] = ()) -> Settings:
    names = [n for n in load_settings().coordination.detectors if n not in without]
    return load_settings(coordination={"detectors": names})


def _pipeline(settings: Settings | None = None) -> Pipeline:
    settings = settings or load_settings()
    detectors = [
        DETECTORS.get(n)(getattr(settings.coordination, n)) for n in settings.coordination.detectors
    ]
    return Pipeline(settings, NeutralStance(), detectors)  # type: ignore[arg-type]


def _corpus() -> Corpus:
    comments = [
        *threads.background(),
        *threads.copy_paste().comments,
        *threads.slow_co_commenting().comments,
    ]
    return Corpus(threads.ARTICLES, tuple(comments))


@pytest.fixture(scope="module")
def result() -> AnalysisResult:
    return _pipeline().run(_corpus())


def test_explain_params_lists_every_detector_setting_with_its_variable() -> None:
    infos = {i.path: i for i in explain_params(load_settings())}
    window = infos["coordination.co_commenting.window_seconds"]
    assert window.value == window.default == 900.0
    assert window.env_var == "ANALYZER_COORDINATION__CO_COMMENTING__WINDOW_SECONDS"
    assert window.description
    assert "database_url" not in " ".join(infos)  # deployment settings stay out
    assert all(i.description for i in infos.values() if i.path.startswith("coordination."))


def test_explain_params_cli_prints_and_exits_without_inputs() -> None:
    outcome = CliRunner().invoke(app, ["analyze", "--explain-params"])
    assert outcome.exit_code == 0, outcome.output
    assert "coordination.generic_endorsement" in outcome.output
    assert "ANALYZER_COORDINATION__STYLE__MIN_REPLIES" in outcome.output


def test_with_value_sets_every_window_at_once() -> None:
    changed = with_value(load_settings(), "window", 60.0)
    assert changed.coordination.near_duplicate.window_seconds == 60.0
    assert changed.coordination.co_commenting.window_seconds == 60.0
    assert changed.coordination.burst.window_seconds == 60.0


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("coordination.near_duplicate.nope", 1, "unknown parameter"),
        ("coordination.near_duplicate.threshold", 7.0, "not a valid setting"),
    ],
)
def test_with_value_rejects_bad_paths_and_values(
    parameter: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        with_value(load_settings(), parameter, value)


@pytest.mark.parametrize(
    ("text", "value"), [("900", 900), ("0.5", 0.5), ("none", None), ("true", True), ("x", "x")]
)
def test_parse_value(text: str, value: object) -> None:
    assert parse_value(text) == value


def test_sensitivity_shows_how_a_window_changes_the_findings() -> None:
    parameter = "coordination.co_commenting.window_seconds"
    # Without co_burst, which finds the crew by its bursts whatever the co-commenting window.
    settings = _settings(without=("co_burst",))
    short, configured = sensitivity(_corpus(), settings, parameter, [60, 900], _pipeline(settings))
    assert configured.is_reference and not short.is_reference
    assert (configured.clusters, configured.flagged_comments, configured.kept) == (2, 16, 1.0)
    # The crew posts 4 minutes apart: a one-minute window keeps only the copy-paste cluster.
    assert (short.clusters, short.flagged_comments, short.added) == (1, 4, 0)
    assert short.kept == pytest.approx(4 / 16)


def test_the_window_shortcut_reaches_every_detector() -> None:
    [row] = sensitivity(_corpus(), load_settings(), "window", [60.0], _pipeline())
    # Copies 2 minutes apart vanish; the crew 4 minutes apart is still one burst per article
    # (co_burst has quiet gaps, not a window), but only its co_burst evidence remains.
    assert (row.clusters, row.flagged_comments, row.added) == (1, 12, 0)
    settings = _settings(without=("co_burst",))
    [empty] = sensitivity(_corpus(), settings, "window", [60.0], _pipeline(settings))
    assert empty.clusters == 0


def test_account_network_links_accounts_per_detector(result: AnalysisResult) -> None:
    network = account_network(result)
    types = {e.edge_type for e in network.edges}
    assert types == {"near_duplicate", "semantic", "co_commenting", "co_burst"}
    crew = [e for e in network.edges if e.edge_type == "co_burst"]
    assert {(e.source, e.target) for e in crew} == {
        ("crew0", "crew1"),
        ("crew0", "crew2"),
        ("crew1", "crew2"),
    }
    copy = [e for e in network.edges if e.edge_type == "near_duplicate"]
    assert len(copy) == 6  # 4 accounts, every pair
    assert all(e.weight == 1 and e.score > 0.9 and len(e.cluster_ids) == 1 for e in copy)
    assert {n.account for n in network.nodes} >= {"copier0", "crew2"}


def test_exports_open_as_graphml_and_toolkit_csv(result: AnalysisResult, tmp_path: Path) -> None:
    graphml, edges, nodes = write_network(result, tmp_path / "net")
    graph = nx.read_graphml(graphml)
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 9
    assert graph.edges["copier0", "copier1"]["edge_type"] == "near_duplicate;semantic"
    assert graph.nodes["crew0"]["message_0"]
    with edges.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert tuple(rows[0]) == EDGE_COLUMNS and rows[0][:4] == [
        "source",
        "target",
        "weight",
        "edge_type",
    ]
    # header, the 6 copy-paste pairs twice (near_duplicate and semantic), 3 co-commenting and
    # 3 co_burst pairs
    assert len(rows) == 19
    with nodes.open(encoding="utf-8") as stream:
        header = next(csv.reader(stream))
    assert header[:3] == ["Id", "username", "message_0"]

"""contrib/: the Grafana dashboard and the Prometheus alert rules refer only to
metrics (and labels) that subnetfrag publishes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from subnetfrag.exporter import EXPORTER_METRICS
from subnetfrag.render.prometheus import (
    HEADROOM_METRICS,
    SUBNET_METRICS,
    MetricSpec,
)

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "contrib" / "grafana" / "subnetfrag-dashboard.json"
ALERTS = ROOT / "contrib" / "prometheus" / "subnetfrag-alerts.yml"
CLI_DOC = ROOT / "docs" / "cli.md"
_METRIC = re.compile(r"\bsubnetfrag_[a-zA-Z0-9_]+")
_SELECTOR = re.compile(r"\b(subnetfrag_[a-zA-Z0-9_]+)\{([^}]*)\}")
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*,?')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")


def labels_of(spec: MetricSpec) -> set[str]:
    return set(spec.all_labels)


SPECS = {s.name: s for s in (*SUBNET_METRICS, *HEADROOM_METRICS, *EXPORTER_METRICS)}
ALL_LABELS = set().union(*(labels_of(s) for s in SPECS.values()))


def expressions(node: Any) -> Iterator[str]:
    """Every PromQL expression in a dashboard: targets' ``expr`` and
    template variables' ``query``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "query") and isinstance(value, str):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$", re.DOTALL)


def parse_promql(expr: str) -> object:
    """``expr`` parsed by a real PromQL parser (a Grafana template query
    ``label_values(SELECTOR, label)`` by its selector); a syntax error fails."""
    m = _LABEL_VALUES.match(expr.strip())
    try:
        return promql_parser.parse(m.group(1) if m else expr)
    except ValueError as exc:
        raise AssertionError(f"{expr!r} is not valid PromQL: {exc}") from None


def check_expression(expr: str) -> set[str]:
    """The metrics ``expr`` uses; fails on invalid PromQL or on an unknown
    metric or label."""
    parse_promql(expr)
    used = set(_METRIC.findall(expr))
    unknown = used - set(SPECS)
    assert not unknown, f"{expr!r} uses metrics subnetfrag does not publish: {unknown}"
    for name, inside in _SELECTOR.findall(expr):
        pos = 0
        while pos < len(inside):
            m = _MATCHER.match(inside, pos)
            assert m, f"cannot read the matchers of {name}{{{inside}}}"
            assert m.group(1) in labels_of(SPECS[name]), f"{name} has no label {m.group(1)}"
            pos = m.end()
    for group in _GROUPING.findall(expr):
        for label in filter(None, (x.strip() for x in group.split(","))):
            assert label in ALL_LABELS, f"{expr!r} groups by {label}, which no metric has"
    return used


def test_the_dashboard_refers_only_to_published_metrics() -> None:
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dash["uid"] and dash["title"] and dash["panels"]
    used: set[str] = set()
    for expr in expressions(dash):
        used |= check_expression(expr)
    for panel in dash["panels"]:
        assert panel["targets"], panel["title"]
    assert {
        "subnetfrag_free_prefixes",
        "subnetfrag_subnet_info",
        "subnetfrag_last_refresh_success",
        "subnetfrag_headroom_nodes",
    } <= used


def test_a_merged_table_joins_the_same_labels_in_every_query() -> None:
    """Grafana's merge puts two queries' values on one row only when their
    other columns agree: every query of such a table carries the same labels
    (the same join with the info metric, which also drops ``__name__``), and
    an ``organize`` step names each value column."""
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    merged = [
        p for p in dash["panels"] if any(t["id"] == "merge" for t in p.get("transformations", ()))
    ]
    assert merged
    for panel in merged:
        joins = set()
        for target in panel["targets"]:
            tree: Any = parse_promql(target["expr"])
            assert isinstance(tree, promql_parser.BinaryExpr), target["expr"]
            assert tree.rhs.name == "subnetfrag_subnet_info", target["expr"]
            joins.add(str(tree.modifier))
        assert len(joins) == 1, f"{panel['title']}: the queries join different labels: {joins}"
        (organize,) = [t for t in panel["transformations"] if t["id"] == "organize"]
        names = organize["options"]["renameByName"]
        assert {f"Value #{t['refId']}" for t in panel["targets"]} <= set(names)


def test_the_alert_rules_refer_only_to_published_metrics() -> None:
    doc = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    rules = [rule for group in doc["groups"] for rule in group["rules"]]
    by_name = {rule["alert"]: rule for rule in rules}
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
        check_expression(rule["expr"])
        for text in rule.get("annotations", {}).values():
            for label in re.findall(r"\$labels\.([a-zA-Z_]+)", text):
                assert label in ALL_LABELS, f"{rule['alert']}: no metric has label {label}"
    few = by_name["SubnetFewFreePrefixes"]
    assert "subnetfrag_free_prefixes < 8" in few["expr"] and few["for"] == "15m"
    low = by_name["SubnetHeadroomLow"]
    assert 'subnetfrag_headroom_nodes{quantile="0.1"} < 5' in low["expr"]


def test_the_rules_docs_cli_md_quotes_are_the_contrib_ones() -> None:
    doc = CLI_DOC.read_text(encoding="utf-8")
    opening = doc.index("```yaml\n", doc.index("Example alert rules")) + len("```yaml\n")
    block = doc[opening : doc.index("```", opening)]
    quoted = yaml.safe_load(block)
    rules = {
        r["alert"]: r
        for g in yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
        for r in g["rules"]
    }
    assert quoted
    for rule in quoted:
        assert rule["alert"] in rules, f"docs/cli.md quotes {rule['alert']}, not in contrib/"
        full = rules[rule["alert"]]
        assert rule.get("for") == full.get("for"), rule["alert"]
        assert " ".join(rule["expr"].split()) in " ".join(full["expr"].split()), rule["alert"]


@pytest.mark.parametrize(
    "bad",
    [
        "subnetfrag_free_prefixes <",  # not PromQL
        "sum by (subnet_id (subnetfrag_free_prefixes)",
        "subnetfrag_blocks > 0",  # a name from before the renaming
        'subnetfrag_free_prefixes{zone="a"}',
        "sum by (owner) (subnetfrag_owner_addresses)",
    ],
)
def test_the_checker_catches_mistakes(bad: str) -> None:
    with pytest.raises(AssertionError):
        check_expression(bad)

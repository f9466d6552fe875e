"""Snapshot of the asset graph: every asset's group and owners, every check's asset, and the column
types of every mart with an enforced dbt contract (as the Dagster UI shows them).

A changed graph fails this test on purpose: look at the difference, and if it is intended,
rewrite the snapshot with

    HCW_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_graph.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"
DBT_LAYERS = {"staging", "intermediate", "marts", "evaluation", "reference"}


def contracted_models() -> set[str]:
    from dagster_project.dbt_project import dbt_project

    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    return {f"{n['schema']}/{n['name']}" for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and (n["config"].get("contract") or {}).get("enforced")}


def graph_snapshot(defs) -> dict:
    graph = defs.resolve_asset_graph()
    contracted = contracted_models()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {"group": node.group_name, "owners": sorted(node.owners)}
        if key.to_user_string() in contracted:
            schema = node.metadata["dagster/column_schema"]
            assets[key.to_user_string()]["contract"] = {c.name: c.type for c in schema.columns}
    checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
    return {"assets": assets, "checks": checks}


def test_asset_graph_matches_the_snapshot(defs):
    current = graph_snapshot(defs)
    if os.environ.get("HCW_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert current["assets"] == expected["assets"]
    assert current["checks"] == expected["checks"]


def test_dbt_models_are_grouped_by_layer_with_owners_and_chinese_descriptions(defs):
    graph = defs.resolve_asset_graph()
    groups = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        groups.setdefault(node.group_name, set()).add(key.to_user_string())
    assert "default" not in groups
    assert DBT_LAYERS <= set(groups)
    assert all(k.startswith("staging/stg_") for k in groups["staging"])
    assert all(k.startswith("intermediate/int_") for k in groups["intermediate"])
    assert {"marts/fct_target_attainment", "marts/fct_healthy_city_index", "marts/fct_indicator_weight"} <= groups["evaluation"]
    assert {"marts/fct_indicator_value", "marts/dim_region"} <= groups["marts"]
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in DBT_LAYERS:
            assert node.owners, key
            spec_description = node.description or ""
            assert spec_description.startswith("【"), (key, spec_description)
    fct = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "marts/fct_indicator_value"))
    assert fct.description.startswith("【集市层 marts】")


def test_every_asset_has_an_owner(defs):
    """Raw feeds, landing, published snapshot and reports too, not only the dbt models: the UI's
    owner filter finds whom to ask about any asset."""
    graph = defs.resolve_asset_graph()
    assert [k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).owners] == []


def test_every_mart_has_an_enforced_contract(dbt_manifest):
    """Every model in dbt/models/marts/ is contracted (docs/operations.md, model contracts)."""
    manifest = json.loads(Path(dbt_manifest).read_text())
    marts = {n["name"]: n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")}
    on_disk = {p.stem for p in (Path(__file__).parent.parent / "dbt" / "models" / "marts").glob("*.sql")}
    assert set(marts) == on_disk
    assert sorted(name for name, n in marts.items() if not (n["config"].get("contract") or {}).get("enforced")) == []
    for name, node in marts.items():
        assert all(c.get("data_type") for c in node["columns"].values()), name
        if node["config"]["materialized"] == "incremental":  # what dbt allows for a contracted incremental model
            assert node["config"]["on_schema_change"] in ("append_new_columns", "fail"), name

"""Suites: generated from metadata, up to date, loaded strictly, and failing on bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dagster_project import settings
from dagster_project.feeds.config import load_feed_config
from dagster_project.quality import generate
from dagster_project.quality.gx_checks import SuiteFileError, load_suite_file, load_suite_files, validate_frame

EXPECTATIONS = settings.EXPECTATIONS_DIR


def test_committed_generated_suites_are_up_to_date():
    stale = generate.out_of_date()
    assert stale == [], f"run .venv/bin/python scripts/generate_expectations.py; out of date: {stale}"


def test_every_feed_and_the_marts_have_suites():
    names = {s.name for s in load_suite_files()}
    for cfg_path in sorted(settings.feeds_dir().glob("*.yml")):
        assert f"raw_{cfg_path.stem}_feed_rules" in names, cfg_path
    assert {"fct_indicator_value", "dim_region", "dim_indicator"} <= names


def test_indicator_bounds_come_from_dim_indicator():
    suite = generate.indicator_value_suite()
    hc17 = [e for e in suite["expectations"] if e["kwargs"].get("column") == "value_HC17"]
    # dim_indicator.csv, HC17: hard_min 0, hard_max empty, soft_min 5, soft_max 80.
    assert [(e["meta"]["severity"], e["kwargs"].get("min_value"), e["kwargs"].get("max_value")) for e in hc17] == [
        ("ERROR", 0, None), ("WARN", 5, 80)]
    hc01 = [e for e in suite["expectations"] if e["kwargs"].get("column") == "value_HC01"]
    # HC01 is a percentage: hard 0-100, soft 40-100.
    assert [(e["kwargs"]["min_value"], e["kwargs"]["max_value"]) for e in hc01] == [(0, 100), (40, 100)]
    assert "when indicator_code = 'HC17' then value end as value_HC17" in suite["meta"]["relation"]


def test_generated_rules_leave_out_what_the_hand_written_suite_already_checks():
    cfg = load_feed_config(settings.feeds_dir() / "pension_beds.yml")
    hand = json.loads((EXPECTATIONS / "raw_pension_beds.json").read_text(encoding="utf-8"))
    with_hand = generate.feed_rules_suite(cfg, hand)
    without = generate.feed_rules_suite(cfg, None)
    key = ("expect_column_values_to_be_between", "institution_beds")
    assert key in [(e["type"], e["kwargs"].get("column")) for e in without["expectations"]]
    assert key not in [(e["type"], e["kwargs"].get("column")) for e in with_hand["expectations"]]


def test_generator_never_overwrites_a_hand_written_file(tmp_path):
    (tmp_path / "fct_indicator_value.json").write_text('{"name": "fct_indicator_value", "meta": {}}', encoding="utf-8")
    with pytest.raises(generate.GeneratorError, match="hand-written"):
        generate.write_files(tmp_path)
    assert json.loads((tmp_path / "fct_indicator_value.json").read_text(encoding="utf-8"))["meta"] == {}


def test_generator_writes_then_reports_nothing_out_of_date(tmp_path):
    written = generate.write_files(tmp_path)
    assert tmp_path / "fct_indicator_value.json" in written
    assert generate.out_of_date(tmp_path) == []
    # A generated file of a removed feed is deleted; a hand-written one in generated/ is kept.
    orphan = tmp_path / "generated" / "raw_gone_feed_rules.json"
    orphan.write_text(json.dumps({"meta": {"generated_by": generate.GENERATED_BY}}), encoding="utf-8")
    kept = tmp_path / "generated" / "mine.json"
    kept.write_text("{}", encoding="utf-8")
    assert str(orphan) in generate.out_of_date(tmp_path)
    generate.write_files(tmp_path)
    assert not orphan.exists() and kept.exists()


def test_mistyped_expectation_type_raises(tmp_path):
    path = tmp_path / "raw_x.json"
    path.write_text(json.dumps({
        "name": "raw_x", "meta": {"asset_key": ["raw", "x"], "relation": "raw.x"},
        "expectations": [{"type": "expect_column_values_to_be_betwen", "kwargs": {"column": "a", "min_value": 0},
                          "meta": {"severity": "ERROR"}}]}), encoding="utf-8")
    with pytest.raises(SuiteFileError, match="expect_column_values_to_be_betwen"):
        validate_frame(load_suite_file(path), pd.DataFrame({"a": [1]}))


def test_generated_feed_rules_name_the_failing_rows():
    suite = load_suite_file(EXPECTATIONS / "generated" / "raw_pension_beds_feed_rules.json")
    # Region 150200 reports 2020 and 2021, region 150400 only 2021: the feed covers 2 years, so
    # 150400 is incomplete (1 of 2). Row 4 has an unknown region code and row 5 the year 2031.
    frame = pd.DataFrame({
        "region_code": ["150200", "150200", "150400", "999999", "150200"],
        "year": [2020, 2021, 2021, 2021, 2031],
        "institution_beds": [100, 110, 50, 10, 5],
        "community_beds": [20, 25, 10, 0, 1],
        "region_code_is_in_code_list": [True, True, True, False, True],
        "years_reported_for_region": [2, 2, 1, 2, 2],
        "years_in_feed": [2, 2, 2, 2, 2],
        "_source_file": ["a.csv"] * 5,
        "_row_number": [2, 3, 4, 5, 6],
    })
    outcomes = validate_frame(suite, frame, {"current_year": 2026})
    failed = {(o["expectation"], ",".join(o["columns"])): o for o in outcomes if not o["success"]}
    assert set(failed) == {
        ("expect_column_values_to_be_in_set", "region_code_is_in_code_list"),
        ("expect_column_values_to_be_between", "year"),
        ("expect_column_pair_values_to_be_equal", "years_reported_for_region,years_in_feed"),
    }
    year = failed[("expect_column_values_to_be_between", "year")]
    assert year["severity"] == "ERROR"
    assert year["failing_values"] == [{"value": 2031, "rows": 1}]
    assert [(r["_source_file"], r["_row_number"]) for r in year["failing_rows"]] == [("a.csv", 6)]
    code = failed[("expect_column_values_to_be_in_set", "region_code_is_in_code_list")]
    assert [(r["region_code"], r["_row_number"]) for r in code["failing_rows"]] == [("999999", 5)]
    gap = failed[("expect_column_pair_values_to_be_equal", "years_reported_for_region,years_in_feed")]
    assert gap["severity"] == "WARN"
    assert [(r["region_code"], r["_row_number"]) for r in gap["failing_rows"]] == [("150400", 4)]

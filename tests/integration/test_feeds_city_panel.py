"""The real city-yearbook panel (sources/data/city_panel/, jcdasheng, MIT) as a feed: what the load
catches (quarantine) and what the Great Expectations suite flags (WARN, with file and row).

Row numbers were checked by hand in the workbook (sheet "new", header on row 1):
  row 116   北海市 2011  生活垃圾无害化处理率 362
  row 293   东莞市 2004  绿化覆盖率 223;  rows 296-299 东莞市 2007-2010: 363.53, 338.62, 386.64, 376.58
  row 1817  枣庄市 2011  年末总人口 6861.40 万人 (2010: 391.03, 2012: 394.8)
  row 892   娄底市 2011  11098.4 万人;  row 1580 孝感市 2011 9591 万人;  row 299 东莞市 2010 5332.1 万人
  row 443   毫州市 2005  (a misspelling of 亳州市 341600; no region has this name)
  row 2     安康市 2004  人均公共绿化面积 889 "平方米" (really 公园绿地面积 in 公顷)
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project import settings
from dagster_project.feeds.assets import build_feed_asset
from dagster_project.feeds.config import load_feed_config
from dagster_project.feeds.loader import ensure_tables, load_file
from dagster_project.feeds.regions import load_region_index
from dagster_project.quality.gx_checks import build_suite_check, load_suite_file

PANEL = settings.PROJECT_ROOT / "sources" / "data" / "city_panel" / "1999-2018 Cities data.xlsx"
SOURCE = "1999-2018 Cities data.xlsx"


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    root = tmp_path_factory.mktemp("city_panel")
    cfg = load_feed_config(settings.PROJECT_ROOT / "sources" / "feeds" / "city_panel.yml")
    con = duckdb.connect(str(root / settings.WAREHOUSE_FILE_NAME))
    ensure_tables(con, cfg)
    outcome = load_file(con, cfg, PANEL, root / "archive",
                        regions=load_region_index(settings.PROJECT_ROOT / "sources" / "reference"))
    yield outcome, con
    con.close()


def test_panel_loads_all_rows_but_the_unresolvable_city(panel):
    outcome, con = panel
    # 1,989 data rows (sheet rows 2-1990); only 毫州市 cannot be resolved.
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 1988, 1)
    assert con.execute(
        "select row_number, column_name, source_column, raw_value, reason from raw._quarantine").fetchall() == [
        (443, "region_code", "城市", "毫州市", "unknown region name '毫州市'")]
    assert con.execute("select count(distinct region_code) from raw.city_panel").fetchone()[0] == 286


@pytest.mark.parametrize("row, code, year", [
    (644, "620200", 2004),   # 嘉峪关市: alias (NBS also names county-level 620201 嘉峪关市)
    (772, "371200", 2004),   # 莱芜市: alias, a prefecture-level city until 2018
    (1303, "530800", 2012),  # 思茅市: alias, renamed 普洱市 in 2007 with the same code
    (116, "450500", 2011),   # 北海市: plain name (R10)
])
def test_city_names_resolve_to_codes(panel, row, code, year):
    _, con = panel
    assert con.execute("select region_code, year from raw.city_panel where _row_number = ?",
                       [row]).fetchone() == (code, year)


def test_known_errors_are_loaded_as_published_not_coerced(panel):
    _, con = panel
    rows = con.execute(
        "select _row_number, domestic_waste_safe_treatment_pct, population_year_end, public_green_area_per_capita_sqm, "
        "fiscal_revenue_share_of_gdp_ratio from raw.city_panel where _row_number in (2, 116, 1817) order by 1").fetchall()
    assert rows == [
        # 安康市 2004: 294.97 万人 × 10000 = 2,949,700; 财政收入占GDP比重 stays a ratio (0.171423313);
        # a treatment rate of 0 (probably "not reported") is loaded as 0, not guessed away.
        (2, 0.0, 2949700, 889.0, 0.171423313),
        # 北海市 2011: 362 % is kept as published for the WARN check; 167.9 万人 = 1,679,000
        (116, 362.0, 1679000, 2479.0, 0.245085181),
        # 枣庄市 2011: 6861.4 万人 × 10000 = 68,614,000, about 17× its 2010 and 2012 values, kept for the check
        (1817, 42.36, 68614000, 4843.0, 0.166784584),
    ]


def test_plausibility_checks_warn_and_name_the_rows(isolated_env):
    cfg = load_feed_config(isolated_env["sources"] / "feeds" / "city_panel.yml")
    check = build_suite_check(load_suite_file(settings.EXPECTATIONS_DIR / "raw_city_panel.json"))
    result = dg.materialize([build_feed_asset(cfg), check], raise_on_error=False)
    # WARN failures do not fail the run (nothing downstream is blocked).
    assert result.success is True
    evaluation = next(e.event_specific_data for e in result.all_events
                      if e.event_type_value == "ASSET_CHECK_EVALUATION"
                      and e.event_specific_data.check_name == "raw_city_panel_gx")
    assert (evaluation.passed, evaluation.severity) == (False, dg.AssetCheckSeverity.WARN)
    failures = {o["kwargs"].get("column"): o for o in evaluation.metadata["failures"].value}
    assert {c: o["severity"] for c, o in failures.items()} == {
        "domestic_waste_safe_treatment_pct": "WARN", "green_coverage_pct": "WARN",
        "population_year_end": "WARN", "public_green_area_per_capita_sqm": "WARN"}

    def where(column):
        return [(r["_row_number"], r["region_code"], r["year"], r[column]) for r in failures[column]["failing_rows"]]

    assert failures["domestic_waste_safe_treatment_pct"]["unexpected_count"] == 1
    assert where("domestic_waste_safe_treatment_pct") == [(116, "450500", 2011, 362.0)]
    assert failures["domestic_waste_safe_treatment_pct"]["failing_rows"][0]["_source_file"] == SOURCE
    assert where("green_coverage_pct") == [
        (293, "441900", 2004, 223.0), (296, "441900", 2007, 363.53), (297, "441900", 2008, 338.62),
        (298, "441900", 2009, 386.64), (299, "441900", 2010, 376.58)]
    assert sorted(where("population_year_end")) == [
        (299, "441900", 2010, 53321000), (892, "431300", 2011, 110984000),
        (1580, "420900", 2011, 95910000), (1817, "370400", 2011, 68614000)]
    # The mislabelled column: 1,977 of 1,989 values exceed 100 m² per person; 毫州市 (one of them)
    # is quarantined, so 1,976 loaded rows fail.
    assert failures["public_green_area_per_capita_sqm"]["unexpected_count"] == 1976

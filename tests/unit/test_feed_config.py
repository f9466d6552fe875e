"""A wrong feed declaration fails when the Definitions load, naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dagster_project import settings
from dagster_project.feeds.config import FeedConfigError, load_feed_config, load_feed_configs

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "feeds" / "clinic_resources.yml"


def write(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "clinic_resources.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("mutate, line", [
    (lambda d: d.update(colour="red"), "key 'colour': unknown key"),
    (lambda d: d["columns"][2].update(typ="integer"), "key 'columns[2] (hospital_beds).typ': unknown key"),
    (lambda d: d["columns"][2].pop("source"), "key 'columns[2] (hospital_beds).source': required key is missing"),
    (lambda d: d["columns"][2].update(source=[]),
     "key 'columns[2] (hospital_beds).source': needs at least one publisher column name"),
    (lambda d: d["columns"][2].update(type="float"),
     "key 'columns[2] (hospital_beds).type': Input should be 'string', 'integer', 'number', 'year', 'date', 'datetime' or 'region'"),
    (lambda d: d["columns"][2].update(multiplier="万"),
     "key 'columns[2] (hospital_beds).multiplier': Input should be a valid number, unable to parse string as a number"),
    (lambda d: d["columns"][2].update(multiplier=0), "key 'columns[2] (hospital_beds).multiplier': Input should be greater than 0"),
    (lambda d: d.pop("title_zh"), "key 'title_zh': required key is missing"),
    (lambda d: d.update(cadence="weekly"), "key 'cadence': Input should be 'daily', 'monthly', 'quarterly' or 'yearly'"),
    (lambda d: d.update(grain=["region_code", "month"]), "key 'grain': ['month'] not declared under columns"),
    (lambda d: d.update(excel={"sheet": 0}), "key 'excel': only allowed when format is xlsx"),
    (lambda d: d.update(format="xlsx", excel={"header_rows": [3, 2]}),
     "key 'excel.header_rows': header rows are 1-based spreadsheet rows in ascending order, e.g. [2, 3]"),
    (lambda d: d["columns"][3].update(source=["床位数(张)"]),
     "key 'columns': publisher column(s) ['床位数(张)'] mapped to more than one canonical column"),
    (lambda d: d.update(ignore_columns=["年份"]), "key 'ignore_columns': ['年份'] also mapped under columns"),
])
def test_wrong_declaration_names_file_and_key(tmp_path, mutate, line):
    path = write(tmp_path, mutate)
    with pytest.raises(FeedConfigError) as exc:
        load_feed_config(path)
    assert str(exc.value) == f"Invalid feed declaration {path}:\n  clinic_resources.yml: {line}"


def test_name_must_match_file_name(tmp_path):
    path = write(tmp_path, lambda d: d.update(name="clinic_beds"))
    with pytest.raises(FeedConfigError, match=r"key 'name': 'clinic_beds' must equal the file name 'clinic_resources'$"):
        load_feed_config(path)


def test_not_yaml(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(FeedConfigError, match=r"broken.yml: not valid YAML"):
        load_feed_configs(tmp_path)


def test_every_bundled_declaration_loads():
    configs = load_feed_configs(settings.PROJECT_ROOT / "sources" / "feeds")
    names = {c.name for c in configs}
    assert {"pension_beds", "population_by_age", "city_panel"} <= names
    panel = next(c for c in configs if c.name == "city_panel")
    assert (panel.format, panel.sample_data, panel.excel.sheet, panel.excel.header_rows) == ("xlsx", False, "new", [1])


def test_source_alternatives_with_units_and_a_composed_column(tmp_path):
    def mutate(d):
        d["missing_values"] = ["NA"]
        d["columns"][4]["source"] = [{"header": "老年人口占比(比例)", "unit": "ratio", "when_file_has": ["地区"]},
                                     "老年人口占比"]
        d["columns"][1]["compose"] = {"from": ["统计年"], "format": "concat"}
    cfg = load_feed_config(write(tmp_path, mutate))
    share = cfg.column("elderly_share_pct")
    assert [(s.header, s.unit, s.when_file_has) for s in share.source] == [
        ("老年人口占比(比例)", "ratio", ["地区"]), ("老年人口占比", None, [])]
    assert cfg.column("year").headers == ["年份", "统计年"]
    assert cfg.missing_values == ["NA"]


@pytest.mark.parametrize("mutate, line", [
    (lambda d: d["columns"][1].update(compose={"from": ["年", "月"], "format": "date"}),
     "key 'columns[1] (year).compose': compose format date takes 3 columns (got 2)"),
    (lambda d: d["columns"][1].update(compose={"from": ["年"], "format": "time"}),
     "key 'columns[1] (year).compose.format': Input should be 'date', 'datetime' or 'concat'"),
    (lambda d: d["columns"][2].update(source=[{"header": "床位数(张)", "units": "张"}]),
     "key 'columns[2] (hospital_beds).source.0.units': unknown key"),
    (lambda d: d["columns"][2].update(compose={"from": ["地区"], "format": "concat"}),
     "key 'columns': publisher column(s) ['地区'] mapped to more than one canonical column"),
])
def test_wrong_new_declarations_name_the_key(tmp_path, mutate, line):
    path = write(tmp_path, mutate)
    with pytest.raises(FeedConfigError) as exc:
        load_feed_config(path)
    assert str(exc.value) == f"Invalid feed declaration {path}:\n  clinic_resources.yml: {line}"

"""The sample and national generators: deterministic, in step with the committed files and the
feed declarations."""

from __future__ import annotations

import csv

import yaml

from dagster_project import settings
from scripts import generate_national, generate_sample_feeds

REPO = settings.PROJECT_ROOT


def test_committed_sample_data_is_what_the_generator_writes(tmp_path):
    # --check compares every sources/data/<feed>/*.csv with a fresh generation: 0 = identical.
    assert generate_sample_feeds.main(["--check"]) == 0
    # And the check itself can fail: a changed file is reported.
    data = tmp_path / "sources" / "data"
    generate_sample_feeds.main(["--data-dir", str(data)])
    victim = data / "sports" / "sports_2015_2024.csv"
    victim.write_text(victim.read_text(encoding="utf-8").replace("150200,包头市,2020,", "150200,包头市,2020,1"),
                      encoding="utf-8")
    assert generate_sample_feeds.main(["--data-dir", str(data), "--check"]) == 1


def test_every_generated_header_is_declared_in_the_feed_yaml():
    for feed, columns in generate_sample_feeds.FEEDS.items():
        declaration = yaml.safe_load((REPO / "sources" / "feeds" / f"{feed}.yml").read_text(encoding="utf-8"))
        declared = {c["name"]: c["source"] for c in declaration["columns"]}
        for column in columns:
            assert column.header in declared[column.name], (feed, column.name, column.header)


def test_national_regions_are_the_current_county_level_codes():
    regions = generate_national.county_regions()
    with (REPO / "sources/reference/admin_codes_gbt2260/result.csv").open(encoding="utf-8-sig") as fh:
        expected = {r["代码"] for r in csv.DictReader(fh) if r["级别"] == "县级" and r["状态"] == "在用"}
    # The 2024 list has 2,846 county-level regions (counted with awk on result.csv).
    assert len(expected) == 2846
    assert [r.code for r in regions] == sorted(expected)


def test_national_generation_is_deterministic_and_seeded(tmp_path):
    regions = generate_national.county_regions()[:25]
    first = generate_national.generate(tmp_path / "a", 3, seed=7, regions=regions)
    second = generate_national.generate(tmp_path / "b", 3, seed=7, regions=regions)
    other_seed = generate_national.generate(tmp_path / "c", 3, seed=8, regions=regions)
    assert first.keys() == second.keys() >= {"healthcare_resources", "population_by_age", "pension_beds"}
    for feed in first:
        assert first[feed].read_bytes() == second[feed].read_bytes(), feed
    assert first["healthcare_resources"].read_bytes() != other_seed["healthcare_resources"].read_bytes()
    # 25 regions × 3 years (2022-2024) + a header line.
    lines = first["maternal_child_health"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == 25 * 3 + 1
    assert first["maternal_child_health"].name == "maternal_child_health_national_2022_2024.csv"


def test_generated_parts_never_exceed_their_whole(tmp_path):
    # The raw GX suites reject a numerator above its denominator; the generator must never produce one.
    regions = generate_national.county_regions()[:200]
    files = generate_national.generate(tmp_path, 2, regions=regions, vital=False)
    pairs = {
        "maternal_child_health": [("婴儿死亡数(人)", "5岁以下儿童死亡数(人)"), ("5岁以下儿童死亡数(人)", "活产数(人)")],
        "healthcare_resources": [("能提供中医药服务的基层医疗卫生机构数(个)", "基层医疗卫生机构数(个)")],
        "student_fitness": [("良好及以上学生数(人)", "合格及以上学生数(人)"), ("合格及以上学生数(人)", "测试学生数(人)")],
    }
    for feed, checks in pairs.items():
        with files[feed].open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for part, whole in checks:
                    assert int(row[part]) <= int(row[whole]), (feed, row["行政区划代码"], row["年份"], part)

"""dim_region, the code crosswalk and the census denominators, on the real bundled code lists and census."""

from __future__ import annotations

import pytest

from tests.conftest import duck


def region(con, code):
    return con.execute(
        "select region_name_zh, region_level, is_current, parent_code, parent_name_zh, prefecture_code, "
        "province_code, province_name_zh, is_statistical_zone from marts.dim_region where region_code = ?",
        [code]).fetchone()


def test_county_hangs_on_its_prefecture_and_province(warehouse):
    # GB/T 2260: 370406 山亭区 (县级, in use since 1983) under 370400 枣庄市, 山东省.
    with duck(warehouse["warehouse"]) as con:
        assert region(con, "370406") == ("山亭区", "县级", True, "370400", "枣庄市", "370400", "370000", "山东省", False)


def test_development_zone_from_the_nbs_list_hangs_on_baotou(warehouse):
    # 150271 is only in the NBS statistical list (cityCode 1502): a statistical zone under 包头市.
    with duck(warehouse["warehouse"]) as con:
        assert region(con, "150271") == ("包头稀土高新技术产业开发区", "县级", True, "150200", "包头市", "150200",
                                         "150000", "内蒙古自治区", True)


def test_prefecture_and_municipal_district_parents(warehouse):
    with duck(warehouse["warehouse"]) as con:
        # a prefecture is its own prefecture and hangs on the province
        assert region(con, "150200")[3:8] == ("150000", "内蒙古自治区", "150200", "150000", "内蒙古自治区")
        # 110101 东城区 is 直辖 (directly under 北京市): no prefecture, parent = the province-level city
        assert region(con, "110101")[3:6] == ("110000", "北京市", None)
        # an abolished code keeps its last name and says it is not current
        assert region(con, "370421")[:3] == ("滕县", "县级", False)


def crosswalk(con, code):
    return con.execute(
        "select valid_from, valid_to, current_code, current_name_zh, steps, is_unique, is_latest_period "
        "from marts.dim_region_code_history where old_code = ? order by valid_from, current_code", [code]).fetchall()


def test_crosswalk_follows_renames_and_successions(warehouse):
    with duck(warehouse["warehouse"]) as con:
        # 150205 石拐矿区 1983-1999 变更 -> 150205 石拐区 (same code, new name): one step
        assert crosswalk(con, "150205") == [(1983, 1999, "150205", "石拐区", 1, True, False),
                                             (1999, None, "150205", "石拐区", 0, True, True)]
        # 370421 滕县 弃用 1988 -> 379010 滕州市 弃用 1990 -> 370481 滕州市: two steps
        assert crosswalk(con, "370421") == [(1981, 1988, "370481", "滕州市", 2, True, True)]
        # 211400 锦西市 变更 1994 with no 新代码: the code was kept, renamed 葫芦岛市
        assert crosswalk(con, "211400")[0] == (1989, 1994, "211400", "葫芦岛市", 1, True, False)
        # 130103 桥东区 弃用 2014 -> 130102;130104: two current codes, not unique
        assert [(r[2], r[5]) for r in crosswalk(con, "130103")] == [("130102", False), ("130104", False)]
        # a development zone maps to itself
        assert crosswalk(con, "150271") == [(None, None, "150271", "包头稀土高新技术产业开发区", 0, True, True)]


def test_part_transfers_are_kept_but_not_followed(warehouse):
    # 130124 栾城县: part went to 130108 in 2001, the rest to 130111 when abolished in 2014.
    with duck(warehouse["warehouse"]) as con:
        changes = con.execute("select new_code, change_year, change_kind from raw.region_code_changes "
                              "where old_code = '130124' order by change_year").fetchall()
        assert changes == [("130108", 2001, "part_transferred"), ("130111", 2014, "successor")]
        assert [r[2] for r in crosswalk(con, "130124")] == ["130111"]


def population(con, code, year):
    return con.execute(
        "select population, population_60_plus, population_65_plus, source, is_interpolated, source_table "
        "from intermediate.int_population where region_code = ? and year = ?", [code, year]).fetchone()


def test_census_2020_baotou_from_prefecture_shares(warehouse):
    # census_city: 包头市 popu_2020 2,709,378; age_60_2020 20.19 %, age_65_2020 13.7 %.
    # 60+ = 2,709,378 × 20.19 / 100 = 547,023.4182 (kept unrounded); 65+ = 2,709,378 × 0.137 = 371,184.786
    with duck(warehouse["warehouse"]) as con:
        total, age60, age65, source, interpolated, table = population(con, "150200", 2020)
    assert (total, source, interpolated, table) == (2709378, "census", False, "census_city")
    assert age60 == pytest.approx(547023.4182, abs=1e-6)
    assert age65 == pytest.approx(371184.786, abs=1e-6)


def test_intercensal_year_is_the_interpolated_midpoint(warehouse):
    with duck(warehouse["warehouse"]) as con:
        # 包头市: 2010 2,650,364, 2020 2,709,378 -> 2015 = (2,650,364 + 2,709,378) / 2 = 2,679,871
        # 60+: 2010 2,650,364 × 12.77 % = 338,451.4828; 2020 547,023.4182 -> midpoint 442,737.4505
        total, age60, _, source, interpolated, _ = population(con, "150200", 2015)
        assert (total, source, interpolated) == (2679871, "interpolated", True)
        assert age60 == pytest.approx(442737.4505, abs=1e-6)
        # 山亭区 (county table: 2010 464,804, 2020 406,722) -> 2015 = 435,763; 60+ (66,944 + 88,941) / 2 = 77,942.5
        total, age60, _, source, interpolated, table = population(con, "370406", 2015)
        assert (total, age60, source, interpolated, table) == (435763, 77942.5, "interpolated", True, "census_county")


def test_years_after_2020_only_from_a_feed(warehouse):
    with duck(warehouse["warehouse"]) as con:
        # the bundled population_by_age sample feed has 包头市 2021 = 2,714,727
        assert population(con, "150200", 2021)[:1] + population(con, "150200", 2021)[3:5] == (2714727, "feed", False)
        # a region no feed covers has nothing after 2020 (no extrapolation): 呼和浩特市 150100
        years = con.execute("select min(year), max(year), count(*) from intermediate.int_population "
                            "where region_code = '150100'").fetchone()
    assert years == (2010, 2020, 11)


def test_region_names_as_departments_write_them_through_the_loader(tmp_path):
    """The real loader on a small file: pinyin, short and English names load; a homonym is quarantined
    with its candidates; an alias added afterwards applies to the next file without any cache."""
    import shutil

    import duckdb

    from dagster_project import settings
    from dagster_project.feeds.config import load_feed_config
    from dagster_project.feeds.loader import ensure_tables, load_file
    from dagster_project.feeds.regions import load_region_index

    reference = tmp_path / "reference"
    shutil.copytree(settings.PROJECT_ROOT / "sources" / "reference", reference)
    cfg = load_feed_config(settings.PROJECT_ROOT / "tests" / "fixtures" / "feeds" / "clinic_resources.yml")
    con = duckdb.connect(str(tmp_path / settings.WAREHOUSE_FILE_NAME))
    ensure_tables(con, cfg)
    first = tmp_path / "names_2020.csv"
    first.write_text("地区,年份,床位数(张)\nBaotou,2020,100\n赤峰,2020,200\nHarbin,2020,300\n"
                     "Shamen,2020,400\nTaizhou,2020,500\nPaotow,2020,600\n", encoding="utf-8")
    outcome = load_file(con, cfg, first, tmp_path / "archive", regions=load_region_index(reference))
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (4, 2)
    assert con.execute("select region_code, hospital_beds from raw.clinic_resources order by 1").fetchall() == [
        ("150200", 100), ("150400", 200), ("230100", 300), ("350200", 400)]
    assert con.execute("select row_number, reason from raw._quarantine order by 1").fetchall() == [
        (6, "ambiguous region name 'Taizhou' matches 2 codes (321200, 331000): 321200 泰州市 (江苏省), "
            "331000 台州市 (浙江省); a province column or the 6-digit code tells them apart"),
        (7, "unknown region name 'Paotow'")]

    with (reference / "region_aliases.csv").open("a", encoding="utf-8") as fh:
        fh.write("Paotow,150200,包头市 in the old postal spelling\n")
    second = tmp_path / "names_2021.csv"
    second.write_text("地区,年份,床位数(张)\nPaotow,2021,700\n", encoding="utf-8")
    outcome = load_file(con, cfg, second, tmp_path / "archive", regions=load_region_index(reference))
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 0)
    assert con.execute("select region_code from raw.clinic_resources where year = 2021").fetchall() == [("150200",)]
    con.close()

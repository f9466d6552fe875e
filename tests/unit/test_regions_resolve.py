"""Rule R10 set-based (resolve_regions over DuckDB tables) and per value (RegionIndex.resolve).

Expected codes are checked against the bundled GB/T 2260 list, read here independently with csv
(code -> name in use), so a wrong code in the expectations fails too.
"""

from __future__ import annotations

import csv
import shutil

import duckdb
import pytest

from dagster_project import settings
from dagster_project.feeds.normalize import ValueNotation
from dagster_project.feeds.regions import (
    load_region_index, match_key, pinyin_spellings, resolve_regions, short_name,
)

REFERENCE = settings.PROJECT_ROOT / "sources" / "reference"
SNAPSHOT = settings.PROJECT_ROOT / "sources" / "data" / "city_health_snapshot" / "snapshot_data.csv"


@pytest.fixture(scope="module")
def index():
    return load_region_index(REFERENCE)


@pytest.fixture(scope="module")
def gbt_names():
    """GB/T 2260 code -> name of its period in use (the oracle for the expected codes)."""
    with (REFERENCE / "admin_codes_gbt2260" / "result.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {r["代码"]: r["名称"] for r in csv.DictReader(fh) if r["状态"] == "在用"}


def resolve_table(index, rows, province=False, year=False):
    """rows of (value[, province][, year]) -> {(value, province, year): (code, problem)} via resolve_regions."""
    con = duckdb.connect()
    cols = ["v"] + (["p"] if province else []) + (["y"] if year else [])
    con.execute(f"create table t ({', '.join(c + ' varchar' for c in cols)})")
    con.executemany(f"insert into t values ({', '.join('?' for _ in cols)})", [list(r) for r in rows])
    out = resolve_regions(con, index, "t", "v", "p" if province else None, "y" if year else None)
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in con.execute(
        f"select raw_value, province_value, year_value, region_code, region_problem from {out}").fetchall()}


# Hand-checked against the file's own grouping (cities listed province by province) and GB/T 2260.
SNAPSHOT_CODES = {
    "Shamen": ("350200", "厦门市"),        # 厦 read sha (polyphone xia/sha)
    "Zhongqing": ("500000", "重庆市"),     # 重 read zhong (polyphone chong/zhong)
    "Haerbin": ("230100", "哈尔滨市"),
    "Huhehaote": ("150100", "呼和浩特市"),
    "Baotou": ("150200", "包头市"),
    "Zaozhuang": ("370400", "枣庄市"),
    "Wulumuqi": ("650100", "乌鲁木齐市"),
    "Lasa": ("540100", "拉萨市"),
    "Beijing": ("110000", "北京市"),
    "Zhangsha": ("430100", "长沙市"),      # 长 read zhang
    "Fushan": ("440600", "佛山市"),        # 佛 read fu; 福山区 370611 is county-level
    "Liuan": ("341500", "六安市"),         # 六 read liu (pypinyin: lu)
    "Bangbu": ("340300", "蚌埠市"),        # 蚌 read bang (pypinyin: beng)
    "Chaoyang": ("211300", "朝阳市"),      # 朝 read chao; 朝阳区 (Beijing, Changchun) are county-level
    "Jinzhou": ("210700", "锦州市"),       # 晋州市 130183 and 金州区 are county-level
    "Lüliang": ("141100", "吕梁市"),       # ü
    "Xian": ("610100", "西安市"),
    "Maanshan": ("340500", "马鞍山市"),
    "Huaian": ("320800", "淮安市"),
    "Xiangyang": ("420600", "襄阳市"),
    "Dongguan": ("441900", "东莞市"),
    "Shenyang": ("210100", "沈阳市"),
}
# Truly ambiguous without a province column: quarantined with every candidate named.
SNAPSHOT_AMBIGUOUS = {
    "Taizhou": "ambiguous region name 'Taizhou' matches 2 codes (321200, 331000): 321200 泰州市 (江苏省), "
               "331000 台州市 (浙江省); a province column or the 6-digit code tells them apart",
    "Suzhou": "ambiguous region name 'Suzhou' matches 2 codes (320500, 341300): 320500 苏州市 (江苏省), "
              "341300 宿州市 (安徽省); a province column or the 6-digit code tells them apart",
    "Fuzhou": "ambiguous region name 'Fuzhou' matches 2 codes (350100, 361000): 350100 福州市 (福建省), "
              "361000 抚州市 (江西省); a province column or the 6-digit code tells them apart",
    "Yichun": "ambiguous region name 'Yichun' matches 2 codes (230700, 360900): 230700 伊春市 (黑龙江省), "
              "360900 宜春市 (江西省); a province column or the 6-digit code tells them apart",
}


def test_every_city_of_the_real_snapshot_resolves_or_names_its_candidates(index, gbt_names):
    con = duckdb.connect()
    con.execute(f"create table s as select * from read_csv('{SNAPSHOT}', all_varchar = true)")
    assert con.execute("select count(*), count(distinct City) from s").fetchall() == [(166, 164)]
    out = resolve_regions(con, index, "s", "City")
    got = {r[0]: (r[1], r[2]) for r in con.execute(
        f"select raw_value, region_code, region_problem from {out}").fetchall()}
    assert len(got) == 164
    for city, (code, name) in SNAPSHOT_CODES.items():
        assert gbt_names[code] == name, f"expectation for {city} is wrong"
        assert got[city] == (code, None), city
    assert {c: p for c, (code, p) in got.items() if p} == SNAPSHOT_AMBIGUOUS
    resolved = {c: code for c, (code, p) in got.items() if not p}
    assert len(resolved) == 160
    # every resolved city is a prefecture-level city or a municipality in use, each code once
    assert all(code in gbt_names and (code.endswith("00")) for code in resolved.values())
    assert len(set(resolved.values())) == 160


def test_per_value_resolve_agrees_with_the_set_based_path(index):
    values = list(SNAPSHOT_CODES) + list(SNAPSHOT_AMBIGUOUS) + [
        "包头市", "包头", "150200", "150200.0", "朝阳区", "火星市", "15020", "999999", "稀土高新区", "Harbin",
        "Baotou City", "xi'an", "市辖区", "崇文区"]
    table = resolve_table(index, [(v,) for v in values])
    for v in values:
        code, problem = table[(v, None, None)]
        if problem:
            with pytest.raises(ValueNotation) as exc:
                index.resolve(v)
            assert str(exc.value) == problem, v
        else:
            assert index.resolve(v) == code, v


@pytest.mark.parametrize("raw", ["Baotou", "BAOTOU", "bao tou", "Bao-Tou", "Baotou Shi", "Baotou City",
                                 "BaotouShi", "Ｂａｏｔｏｕ", "包头", "包头市", "１５０２００"])
def test_spellings_match_ignoring_case_spaces_hyphens_and_suffixes(index, raw):
    assert index.resolve(raw) == "150200"


@pytest.mark.parametrize("raw, code", [
    ("Xi'an", "610100"), ("XI’AN", "610100"),      # apostrophes dropped
    ("Lvliang", "141100"), ("Luliang", "141100"),   # ü written v or u
    ("Harbin", "230100"), ("Hohhot", "150100"), ("Urumqi", "650100"), ("Lhasa", "540100"),  # alias file
    ("Chongqing", "500000"), ("Xiamen", "350200"), ("Changsha", "430100"), ("Foshan", "440600"),
    ("延边", "222400"),          # 延边朝鲜族自治州 without 朝鲜族自治州
    ("Yanbian", "222400"),
    ("广西", "450000"),          # 广西壮族自治区
    ("Neimenggu", "150000"), ("Inner Mongolia", "150000"),
    ("Shaanxi", "610000"), ("Shanxi", "140000"),   # aliases: both read shanxi
    ("Xiangfan", "420600"),      # 襄樊市, renamed 襄阳市 in 2010 with the same code
])
def test_pinyin_english_and_short_names(index, raw, code, gbt_names):
    assert index.resolve(raw) == code
    assert code in gbt_names


@pytest.mark.parametrize("province", ["江苏", "江苏省", "Jiangsu", "JIANGSU", "32", "320000"])
def test_homonym_told_apart_by_the_province_in_any_form(index, province):
    assert index.resolve("Taizhou", province=province) == "321200"
    assert index.resolve("Suzhou", province=province) == "320500"


@pytest.mark.parametrize("province, code", [("浙江", "331000"), ("Zhejiang", "331000"), ("33", "331000"),
                                            ("安徽", "341300")])
def test_homonym_in_the_other_province(index, province, code):
    name = "Suzhou" if province == "安徽" else "Taizhou"
    assert index.resolve(name, province=province) == code


def test_district_homonym_by_province(index):
    assert index.resolve("朝阳区", province="北京") == "110105"
    assert index.resolve("朝阳区", province="Jilin") == "220104"
    with pytest.raises(ValueNotation) as exc:
        index.resolve("朝阳区")
    assert str(exc.value) == ("ambiguous region name '朝阳区' matches 2 codes (110105, 220104): 110105 朝阳区 (北京市), "
                              "220104 朝阳区 (吉林省); a province column or the 6-digit code tells them apart")
    # a county-level name wins over the prefecture once the province rules the prefecture out
    assert index.resolve("Jinzhou", province="河北") == "130183"


def test_province_column_problems(index):
    cases = {
        ("Baotou", "Mars"): "unknown province 'Mars' (give a province code, Chinese name or pinyin)",
        ("Baotou", "辽宁"): "region name 'Baotou' is not in province 210000 辽宁省: it matches 150200 包头市 (内蒙古自治区)",
        ("150200", "Liaoning"): "region code 150200 包头市 is in 内蒙古自治区, not in province 210000 辽宁省",
    }
    table = resolve_table(index, list(cases), province=True)
    for (value, province), message in cases.items():
        assert table[(value, province, None)] == (None, message)
        with pytest.raises(ValueNotation) as exc:
            index.resolve(value, province=province)
        assert str(exc.value) == message
    # a blank province is no province
    assert resolve_table(index, [("Baotou", " ")], province=True)[("Baotou", " ", None)] == ("150200", None)


def test_abolished_codes_by_the_year_of_the_row(index):
    rows = [("110103", "2005"), ("110103", "2010"), ("110103", "2020年"), ("110103", None),
            ("崇文区", "2020"), ("341400", "2010"), ("341400", "2020"), ("巢湖市", "2005"), ("巢湖市", "2015"),
            ("130103", "2020"), ("152601", "2020"), ("370406", "1990")]
    got = resolve_table(index, rows, year=True)
    # 110103 崇文区 1981-2010, merged into 110101 东城区: mapped for 2010 and later
    assert got[("110103", None, "2005")] == ("110103", None)
    assert got[("110103", None, "2010")] == ("110101", None)
    assert got[("110103", None, "2020年")] == ("110101", None)
    assert got[("110103", None, None)] == ("110103", None)
    assert got[("崇文区", None, "2020")] == ("110101", None)
    # 341400 巢湖市 (地级) 1999-2011, no successor listed: valid before 2011, quarantined after
    assert got[("341400", None, "2010")] == ("341400", None)
    assert got[("341400", None, "2020")] == (None, (
        "region code 341400 巢湖市 was abolished in 2011 and GB/T 2260 names no single successor "
        "(no successor listed); a row for 2020 needs a code in use in 2020"))
    # the name 巢湖市 means the prefecture before 2011 and the county-level city 340181 after
    assert got[("巢湖市", None, "2005")] == ("341400", None)
    assert got[("巢湖市", None, "2015")] == ("340181", None)
    # 130103 桥东区 split in 2014
    assert got[("130103", None, "2020")] == (None, (
        "region code 130103 桥东区 was abolished in 2014 and GB/T 2260 names no single successor "
        "(its area went to 130102 长安区, 130104 桥西区); a row for 2020 needs a code in use in 2020"))
    # 152601 集宁市 (1981-2003) -> 150902 集宁区 today
    assert got[("152601", None, "2020")] == ("150902", None)
    # a code used before its first year stays (data back-cast to today's boundaries)
    assert got[("370406", None, "1990")] == ("370406", None)
    assert index.resolve("110103", year=2020) == "110101"
    assert index.resolve("110103", year="2005") == "110103"


def test_short_names_and_polyphones_are_generated():
    assert [short_name(n) for n in ["包头市", "赤峰市", "锡林郭勒盟", "大兴安岭地区", "延边朝鲜族自治州",
                                    "大通回族土族自治县", "巴音郭楞蒙古自治州", "新疆维吾尔自治区", "通县"]] == [
        "包头", "赤峰", "锡林郭勒", "大兴安岭", "延边", "大通", "巴音郭楞", "新疆", None]
    primary, variants = pinyin_spellings("厦门")
    assert primary == "xiamen" and "shamen" in variants
    primary, variants = pinyin_spellings("重庆")
    assert primary == "chongqing" and "zhongqing" in variants
    assert match_key(" Xi'an ") == match_key("XI-AN") == "xian"


def test_alias_edit_applies_on_the_next_load_without_a_cache(tmp_path, index):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference)
    aliases = reference / "region_aliases.csv"
    before = aliases.stat().st_mtime_ns
    with pytest.raises(ValueNotation, match="^unknown region name 'Paotow'$"):
        load_region_index(reference).resolve("Paotow")
    with aliases.open("a", encoding="utf-8") as fh:
        fh.write("Paotow,150200,包头市 in the old postal spelling\n")
    # same modification time on purpose: nothing is keyed by it
    import os
    os.utime(aliases, ns=(before, before))
    edited = load_region_index(reference)
    assert edited.resolve("Paotow") == "150200"
    assert resolve_table(edited, [("PAOTOW",)])[("PAOTOW", None, None)] == ("150200", None)
    # and removing the line takes it away again
    aliases.write_text(aliases.read_text(encoding="utf-8").replace("Paotow,150200,包头市 in the old postal spelling\n", ""),
                       encoding="utf-8")
    os.utime(aliases, ns=(before, before))
    with pytest.raises(ValueNotation):
        load_region_index(reference).resolve("Paotow")
    # an alias beats a generated spelling: Shanxi is 山西 and 陕西 by pinyin
    assert index.resolve("Shanxi") == "140000"


def test_a_name_means_the_region_that_carried_it_in_the_row_year(index):
    # 542400 那曲地区 1981-2017 (no successor listed), 540600 那曲市 since 2017; likewise 哈密
    got = resolve_table(index, [("Naqu", "2015"), ("Naqu", "2020"), ("Hami", "2015"), ("Hami", None),
                                ("那曲", "2016")], year=True)
    assert got[("Naqu", None, "2015")] == ("542400", None)
    assert got[("Naqu", None, "2020")] == ("540600", None)
    assert got[("Hami", None, "2015")] == ("652200", None)
    assert got[("Hami", None, None)] == ("650500", None)
    assert got[("那曲", None, "2016")] == ("542400", None)
    # `Shi` / `City` only after the short name of a 市: Jilin Shi is the city, not the province
    assert index.resolve("Jilin Shi") == index.resolve("Jilin City") == "220200"

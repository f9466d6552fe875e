"""The national hourly air-quality generator (scripts/generate_national.py --air-quality-hourly):
seeded, every prefecture city covered, in the feed's layout, with gaps, outages and dust days."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib

from scripts import generate_national as gn

START, END = dt.date(2024, 4, 10), dt.date(2024, 4, 12)  # two spring days


def test_about_1900_stations_in_every_prefecture_city():
    stations = gn.national_stations()
    cities = {code for code, _ in gn.prefecture_cities()}
    assert 1800 <= len(stations) <= 2000
    assert len(cities) == 337  # 333 地级 + 4 直辖市
    evaluation = {s[2] for s in stations if s[4] == "城市评价点"}
    assert evaluation == cities  # every city has evaluation stations
    assert {s[4] for s in stations} == {"城市评价点", "清洁对照点", "背景点"}
    assert len({s[0] for s in stations}) == len(stations)


def test_hourly_files_are_seeded_and_in_the_feed_layout(tmp_path):
    a = gn.generate_air_quality_hourly(tmp_path / "a", START, END, seed=7)
    b = gn.generate_air_quality_hourly(tmp_path / "b", START, END, seed=7)
    c = gn.generate_air_quality_hourly(tmp_path / "c", START, END, seed=8)
    digest = [hashlib.sha256(info["hourly"][0].read_bytes()).hexdigest() for info in (a, b, c)]
    assert digest[0] == digest[1] != digest[2]
    with a["hourly"][0].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["站点编码", "日期", "小时", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3"]
    assert len(rows) == a["n_stations"] * 2 * 24 == a["rows"]
    missing = sum(r["PM2.5"] == "—" for r in rows)
    assert 0.005 < missing / len(rows) < 0.1  # random hours, outages and down stations
    assert a["dust_city_days"] > 0
    values = [float(r["PM10"]) for r in rows if r["PM10"] != "—"]
    assert max(values) > 300 and min(values) >= 0  # dust days lift PM10

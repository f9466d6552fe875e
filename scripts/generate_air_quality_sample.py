"""Generate the bundled SAMPLE air-quality files (示例数据, not official monitoring data).

    .venv/bin/python scripts/generate_air_quality_sample.py

Deterministic: a fixed seed, so the same files come out byte for byte. Writes
  sources/data/air_quality_stations/air_quality_stations.csv   6 stations of 包头市 and 赤峰市
  sources/data/air_quality_hourly/air_quality_hourly_2024.csv  hourly PM2.5 PM10 SO2 NO2 CO O3, 2024
      (包头市 all year; 赤峰市 from 1 March: a network that started late, so its year is incomplete)
  sources/data/air_quality_hourly/air_quality_hourly_2026.csv  包头市 2026-01-01 .. 2026-04-30: a year
      that crosses the start of HJ 633-2026 (2026-03-01), and an incomplete year
  sources/data/air_quality_daily/air_quality_daily_2015_2024.csv  published city daily AQI:
      包头市 and 赤峰市 2015-2023, 枣庄市 2015-01-01 .. 2024-06-30 (a city that only publishes
      daily AQI; its 2024 is half a year)

Values follow plausible seasonal shapes (heating-season PM2.5, summer O3, afternoon O3 peak), with
station outages. A few days are fixed by hand so tests can check the HJ 633 / HJ 663 arithmetic
(see HAND_CHECKED_DAYS; the expected results are worked out in tests/integration/test_air_quality.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "sources" / "data"
SEED = 20240101
MISSING = "—"  # what the platforms print for a missing hour

STATIONS = [
    # code, name, city code, city, station type (城市评价点 = urban assessment station)
    ("1502A01", "东河区环境监测站", "150200", "包头市", "城市评价点"),
    ("1502A02", "昆都仑区政府", "150200", "包头市", "城市评价点"),
    ("1502A03", "包头市背景站", "150200", "包头市", "背景点"),
    ("1502A04", "包头市清洁对照点", "150200", "包头市", "清洁对照点"),
    ("1504A01", "红山区政府", "150400", "赤峰市", "城市评价点"),
    ("1504A02", "松山区环保局", "150400", "赤峰市", "城市评价点"),
]
POLLUTANTS = ["PM2.5", "PM10", "SO2", "NO2", "CO", "O3"]

# Days whose values are set by hand (both urban 包头 stations; the background and clean-control
# stations get very different values so a test notices if they were averaged in). Constant over the
# day unless a list (24 hourly values; None = missing hour). A station not listed on a hand day
# gets random values, except the 清洁对照点 which then gets CLEAN_CONTROL_DAY.
URBAN = ("1502A01", "1502A02")
CLEAN_CONTROL_DAY = {"PM2.5": 2, "PM10": 4, "SO2": 2, "NO2": 3, "CO": 0.1, "O3": 20}
O3_GAP = [None] * 10  # O3 missing 00:00-09:59: only the windows ending 15:59 … 23:59 have >= 6 hours (9 < 14)
HAND_CHECKED_DAYS = {
    # city PM2.5 = (70 + 80) / 2 = 75 -> IAQI 100 (a breakpoint): AQI 100, still 良 (good)
    dt.date(2024, 1, 15): {"1502A01": {"PM2.5": 70, "PM10": 100, "SO2": 20, "NO2": 40, "CO": 1.0, "O3": 60},
                           "1502A02": {"PM2.5": 80, "PM10": 100, "SO2": 20, "NO2": 40, "CO": 1.0, "O3": 60},
                           "1502A03": {"PM2.5": 300, "PM10": 400, "SO2": 200, "NO2": 200, "CO": 10.0, "O3": 300}},
    # O3 100 except 200 for hours 12-19: max 8-hour mean 200 -> IAQI 137; AQI 137
    dt.date(2024, 7, 20): {code: {"PM2.5": 20, "PM10": 40, "SO2": 10, "NO2": 20, "CO": 0.5,
                                  "O3": [100] * 12 + [200] * 8 + [100] * 4}
                           for code in ("1502A01", "1502A02", "1502A03")},
    # PM2.5 160 -> IAQI 210: a heavy-pollution day (AQI > 200)
    dt.date(2024, 12, 20): {code: {"PM2.5": 160, "PM10": 200, "SO2": 30, "NO2": 50, "CO": 2.0, "O3": 30}
                            for code in ("1502A01", "1502A02", "1502A03")},
    # HJ 663 per station: 1502A01 reports only 19 hours (00:00-04:59 missing, PM2.5 200): its day is not
    # valid, so the city value is 1502A02's alone (PM2.5 50 -> IAQI 72), stations_used 1. Averaging
    # the city's hours instead would give (200 + 50) / 2 = 125 for the 19 shared hours.
    dt.date(2024, 3, 5): {"1502A01": {p: [None] * 5 + [v] * 19 for p, v in
                                      {"PM2.5": 200, "PM10": 250, "SO2": 20, "NO2": 40, "CO": 1.0, "O3": 60}.items()},
                          "1502A02": {"PM2.5": 50, "PM10": 60, "SO2": 10, "NO2": 20, "CO": 0.5, "O3": 60}},
    # O3 exception (HJ 663-2013 §6 数据统计要求): only 9 valid 8-hour windows, but the maximum 250 > 160 -> valid;
    # IAQI 150 + 50 × (250 − 215)/(265 − 215) = 185
    dt.date(2024, 8, 10): {code: {"PM2.5": 20, "PM10": 40, "SO2": 10, "NO2": 20, "CO": 0.5, "O3": O3_GAP + [250] * 14}
                           for code in URBAN},
    # the same gap with O3 100: 9 windows, maximum 100 <= 160 -> O3 8h not valid -> the day is not valid
    dt.date(2024, 8, 11): {code: {"PM2.5": 20, "PM10": 40, "SO2": 10, "NO2": 20, "CO": 0.5, "O3": O3_GAP + [100] * 14}
                           for code in URBAN},
    # the same concentrations on the last day of HJ 633-2012 and the first of HJ 633-2026:
    # PM2.5 70 -> 2012: 50 + 50 × 35/40 = 93.75 -> 94 (良); 2026: 100 + 50 × 10/55 = 109.1 -> 110 (轻度污染)
    **{day: {code: {"PM2.5": 70, "PM10": 80, "SO2": 10, "NO2": 20, "CO": 0.5, "O3": 60} for code in URBAN}
       for day in (dt.date(2026, 2, 28), dt.date(2026, 3, 1))},
}
# Both urban 包头 stations are down 00:00-04:59: the city has 19 valid hours -> not a valid day.
OUTAGE_DAY = dt.date(2024, 2, 10)
OUTAGE_HOURS = range(0, 5)


def days(start: dt.date, end: dt.date):
    d = start
    while d <= end:
        yield d
        d += dt.timedelta(days=1)


def season(d: dt.date) -> float:
    """1 in mid-January (heating season), -1 in mid-July."""
    return math.cos(2 * math.pi * (d.timetuple().tm_yday - 15) / 365.25)


class CityWeather:
    """Day-to-day persistence: an AR(1) pollution factor per city."""

    def __init__(self, rng: random.Random, base_pm25: float):
        self.rng, self.base, self.state = rng, base_pm25, 0.0

    def day(self, d: dt.date) -> dict[str, float]:
        self.state = 0.7 * self.state + self.rng.gauss(0, 0.45)
        factor = math.exp(self.state)
        pm25 = self.base * (1 + 0.6 * season(d)) * factor
        return {
            "PM2.5": pm25,
            "PM10": pm25 * 1.7 + self.rng.uniform(5, 40),
            "SO2": 12 + 18 * max(season(d), 0) * factor,
            "NO2": 25 + 12 * season(d) * factor,
            "CO": 0.5 + 0.9 * max(season(d), 0) * factor,
            "O3_day": 70 + 60 * (-season(d)) + self.rng.gauss(0, 12),
        }


def hourly_value(pollutant: str, day: dict[str, float], hour: int, station_factor: float, rng: random.Random) -> float:
    if pollutant == "O3":
        shape = 0.55 + 0.75 * max(math.sin(math.pi * (hour - 7) / 14), 0)  # afternoon peak
        value = day["O3_day"] * shape * rng.uniform(0.9, 1.1)
    else:
        rush = 1.15 if hour in (7, 8, 9, 18, 19, 20, 21) else (0.85 if 12 <= hour <= 16 else 1.0)
        value = day[pollutant] * rush * station_factor * rng.uniform(0.85, 1.15)
    return max(value, 0.0)


def fmt(pollutant: str, value: float) -> str:
    return f"{value:.1f}" if pollutant == "CO" else str(int(round(value)))


def write_stations() -> None:
    out = DATA / "air_quality_stations" / "air_quality_stations.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["站点编码", "站点名称", "城市代码", "城市", "点位类型"])
        w.writerows(STATIONS)


def write_hourly(rng: random.Random, year: int, first_day: dict[str, dt.date], last_day: dt.date) -> None:
    out = DATA / "air_quality_hourly" / f"air_quality_hourly_{year}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    weather = {"150200": CityWeather(rng, 38), "150400": CityWeather(rng, 30)}
    station_factor = {"1502A01": 1.0, "1502A02": 1.1, "1502A03": 0.6, "1502A04": 0.2, "1504A01": 1.0, "1504A02": 0.95}
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["站点编码", "日期", "小时", *POLLUTANTS])
        for d in days(dt.date(year, 1, 1), last_day):
            city_day = {city: wx.day(d) for city, wx in weather.items()}
            for code, _, city, _, _ in STATIONS:
                if city not in first_day or d < first_day[city]:
                    continue
                # A random station outage now and then (about 1 day in 40 loses 2-8 hours).
                outage = set()
                if rng.random() < 0.025:
                    start = rng.randrange(0, 20)
                    outage = set(range(start, start + rng.randrange(2, 9)))
                fixed = HAND_CHECKED_DAYS.get(d, {}).get(code)
                if fixed is None and d in HAND_CHECKED_DAYS and code == "1502A04":
                    fixed = CLEAN_CONTROL_DAY
                for hour in range(24):
                    if fixed is not None:
                        hour_values = [v[hour] if isinstance(v, list) else v for v in fixed.values()]
                        values = [MISSING if v is None else fmt(p, v) for p, v in zip(fixed, hour_values)]
                    elif hour in outage or (d == OUTAGE_DAY and code in ("1502A01", "1502A02") and hour in OUTAGE_HOURS):
                        values = [MISSING] * len(POLLUTANTS)
                    else:
                        values = [fmt(p, hourly_value(p, city_day[city], hour, station_factor[code], rng))
                                  for p in POLLUTANTS]
                    w.writerow([code, d.isoformat(), hour, *values])


def sample_aqi(rng: random.Random, wx: CityWeather, d: dt.date) -> tuple[int, str]:
    """A plausible daily AQI: the IAQI of the day's PM2.5 or O3, whichever is higher."""
    day = wx.day(d)
    pm25 = day["PM2.5"]
    segments = [(0, 35, 0, 50), (35, 75, 50, 100), (75, 115, 100, 150), (115, 150, 150, 200),
                (150, 250, 200, 300), (250, 350, 300, 400), (350, 500, 400, 500)]
    pm_iaqi = next((il + (ih - il) * (pm25 - cl) / (ch - cl) for cl, ch, il, ih in segments if pm25 < ch), 500)
    o3_iaqi = max(day["O3_day"] * 1.1, 0) * 50 / 100
    aqi = math.ceil(max(pm_iaqi, o3_iaqi))
    primary = "" if aqi <= 50 else ("PM2.5" if pm_iaqi >= o3_iaqi else "O3_8h")
    return aqi, primary


def write_daily(rng: random.Random) -> None:
    out = DATA / "air_quality_daily" / "air_quality_daily_2015_2024.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    cities = [("150200", "包头市", 40, dt.date(2023, 12, 31)),
              ("150400", "赤峰市", 30, dt.date(2023, 12, 31)),
              ("370400", "枣庄市", 52, dt.date(2024, 6, 30))]
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["城市代码", "城市", "日期", "AQI", "首要污染物"])
        for code, name, base, last in cities:
            wx = CityWeather(rng, base)
            for d in days(dt.date(2015, 1, 1), last):
                aqi, primary = sample_aqi(rng, wx, d)
                w.writerow([code, name, d.isoformat(), aqi, primary])


def main() -> None:
    rng = random.Random(SEED)
    write_stations()
    write_hourly(rng, 2024, {"150200": dt.date(2024, 1, 1), "150400": dt.date(2024, 3, 1)}, dt.date(2024, 12, 31))
    write_daily(rng)
    write_hourly(random.Random(SEED + 2026), 2026, {"150200": dt.date(2026, 1, 1)}, dt.date(2026, 4, 30))


if __name__ == "__main__":
    main()

"""Build the bundled prefecture boundaries for the scorecard maps (健康城市评价报告的地图边界).

Reads the WKT polygon per prefecture-level city in the `coord` column of the China Census table
(Lei Dong et al., MIT licence) and writes a small simplified GeoJSON:

    python scripts/build_boundaries.py [--source ../shared/reference/realdata/census_leiii] \
        [--tolerance 0.05] [--out sources/reference/boundaries/prefecture_boundaries.geojson]

Simplification is Douglas-Peucker on each ring (tolerance in degrees), coordinates rounded to
3 decimals (about 100 m); rings that collapse below 4 points are dropped, but every city keeps at
least its largest ring. Pure Python: runs once, offline, and the output is committed with the
source's LICENSE beside it (sources/reference/boundaries/LICENSE).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent.parent / "shared" / "reference" / "realdata" / "census_leiii"
DEFAULT_OUT = REPO / "sources" / "reference" / "boundaries" / "prefecture_boundaries.geojson"
CSV_NAME = Path("data") / "census" / "census_city_2010-2020_v1.csv"


def parse_wkt(wkt: str) -> list[list[list[tuple[float, float]]]]:
    """POLYGON / MULTIPOLYGON WKT → list of polygons, each a list of rings of (lon, lat)."""
    wkt = wkt.strip()
    kind = wkt.split("(", 1)[0].strip().upper()
    body = wkt[len(kind):].strip()
    if kind == "POLYGON":
        polygon_texts = [body[1:-1]]
    elif kind == "MULTIPOLYGON":
        polygon_texts = re.findall(r"\(\s*(\(.*?\)(?:\s*,\s*\(.*?\))*)\s*\)", body[1:-1])
    else:
        raise ValueError(f"unsupported geometry {kind!r}")
    polygons = []
    for text in polygon_texts:
        rings = []
        for ring_text in re.findall(r"\(([^()]*)\)", text):
            ring = [tuple(float(v) for v in pair.split()[:2]) for pair in ring_text.split(",") if pair.strip()]
            rings.append(ring)
        polygons.append(rings)
    return polygons


def _perpendicular(p, a, b) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def douglas_peucker(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Iterative Douglas-Peucker (Douglas & Peucker 1973): keep the points farther than `tolerance`."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, None
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring, tolerance: float):
    # A closed ring: split at the point farthest from the start so the two halves keep its shape.
    if len(ring) < 4:
        return ring
    start = ring[0]
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - start[0]) ** 2 + (ring[i][1] - start[1]) ** 2)
    half1 = douglas_peucker(ring[: far + 1], tolerance)
    half2 = douglas_peucker(ring[far:], tolerance)
    out = half1[:-1] + half2
    out = [(round(x, 3), round(y, 3)) for x, y in out]
    deduped = [out[0]] + [p for prev, p in zip(out, out[1:]) if p != prev]
    if deduped[0] != deduped[-1]:
        deduped.append(deduped[0])
    return deduped


def ring_area(ring) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))) / 2


def build(source: Path, out: Path, tolerance: float) -> dict:
    csv.field_size_limit(sys.maxsize)
    features = []
    with open(source / CSV_NAME, encoding="utf-8-sig", newline="") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                polygons = parse_wkt(row["coord"])
            except (ValueError, KeyError) as exc:
                raise SystemExit(f"{source / CSV_NAME} row {row_number} column coord: {exc}")
            simplified, largest = [], None
            for polygon in polygons:
                rings = [simplify_ring(r, tolerance) for r in polygon]
                outer = rings[0]
                if largest is None or ring_area(polygon[0]) > largest[0]:
                    largest = (ring_area(polygon[0]), [outer])
                if len(outer) >= 4 and ring_area(outer) > 0:
                    simplified.append([r for r in rings if len(r) >= 4 and ring_area(r) > 0])
            if not simplified:  # a tiny city: keep its largest outer ring even if it collapsed
                simplified = [largest[1]]
            features.append({
                "type": "Feature",
                "properties": {"city_code": row["city_code"], "city_zh": row["city"],
                               "province_code": row["province_code"], "province_zh": row["province"]},
                "geometry": {"type": "MultiPolygon",
                             "coordinates": [[[list(p) for p in ring] for ring in poly] for poly in simplified]},
            })
    collection = {
        "type": "FeatureCollection",
        "source": "China Census city table census_city_2010-2020_v1.csv, column coord (Lei Dong et al., MIT)",
        "simplification": f"Douglas-Peucker, tolerance {tolerance} degrees, 3 decimals",
        "features": features,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    shutil.copyfile(source / "LICENSE", out.parent / "LICENSE")
    return collection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tolerance", type=float, default=0.05)
    args = parser.parse_args()
    collection = build(args.source, args.out, args.tolerance)
    n_points = sum(len(r) for f in collection["features"] for poly in f["geometry"]["coordinates"] for r in poly)
    print(f"{args.out}: {len(collection['features'])} prefectures, {n_points} points, "
          f"{args.out.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()

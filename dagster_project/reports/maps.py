"""Inline SVG choropleths from the bundled prefecture boundaries (no tiles, no network).

Boundaries: sources/reference/boundaries/prefecture_boundaries.geojson, simplified from the China
Census city table (MIT, LICENSE beside it) by scripts/build_boundaries.py. A region that is not a
prefecture (a district, a development zone) is drawn as a marker inside its prefecture and listed
beside the map.
"""

from __future__ import annotations

import functools
import html
import json
import math
from dataclasses import dataclass
from pathlib import Path

from dagster_project import settings

WIDTH, HEIGHT, PAD = 560, 440, 12
LEGEND = 44  # px reserved under the shapes for the legend
NO_VALUE = "#e6e6e6"
CONTEXT = "#f4f4f4"
# Five classes, worse → better (ColorBrewer RdYlGn 5).
RAMP = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"]


def boundaries_path() -> Path:
    return settings.reference_dir() / "boundaries" / "prefecture_boundaries.geojson"


# The census table draws each municipality (直辖市) as its 市辖区 pseudo-prefecture (110100 北京市);
# feeds report it under its province-level code (110000), which must find the same polygon.
MUNICIPALITIES = ("11", "12", "31", "50")


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[str, dict]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    bounds = {f["properties"]["city_code"]: f for f in data["features"]}
    for code, f in list(bounds.items()):
        if code[:2] in MUNICIPALITIES and code.endswith("0100"):
            bounds.setdefault(code[:2] + "0000", f)
    return bounds


def load_boundaries() -> dict[str, dict]:
    """city_code → GeoJSON feature (MultiPolygon)."""
    return _load(str(boundaries_path()))


@dataclass(frozen=True)
class MapRegion:
    region_code: str
    name_zh: str
    prefecture_code: str | None      # the polygon it is drawn in
    is_prefecture: bool              # False: drawn as a marker inside its prefecture


@dataclass(frozen=True)
class Layer:
    key: str
    title: str                       # zh / en
    values: dict[str, float | None]  # region_code → value
    higher_is_better: bool = True
    unit: str = ""


class Projection:
    """Equirectangular with cos(mean latitude) scaling, fitted to the drawn prefectures."""

    def __init__(self, features: list[dict]):
        xs, ys = [], []
        for f in features:
            for poly in f["geometry"]["coordinates"]:
                for x, y in poly[0]:
                    xs.append(x)
                    ys.append(y)
        self.x0, self.x1, self.y0, self.y1 = min(xs), max(xs), min(ys), max(ys)
        self.k = math.cos(math.radians((self.y0 + self.y1) / 2))
        w = max((self.x1 - self.x0) * self.k, 1e-6)
        h = max(self.y1 - self.y0, 1e-6)
        self.scale = min((WIDTH - 2 * PAD) / w, (HEIGHT - LEGEND - 2 * PAD) / h)
        self.dx = (WIDTH - w * self.scale) / 2
        self.dy = (HEIGHT - LEGEND - h * self.scale) / 2

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return (self.dx + (x - self.x0) * self.k * self.scale, self.dy + (self.y1 - y) * self.scale)


def _path(feature: dict, proj: Projection) -> str:
    parts = []
    for poly in feature["geometry"]["coordinates"]:
        for ring in poly:
            pts = [proj(x, y) for x, y in ring]
            parts.append("M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in pts) + "Z")
    return "".join(parts)


def _centroid(feature: dict, proj: Projection) -> tuple[float, float]:
    ring = max((poly[0] for poly in feature["geometry"]["coordinates"]), key=len)
    pts = [proj(x, y) for x, y in ring[:-1]]
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


def classes(values: list[float], higher_is_better: bool) -> list[float]:
    """Equal-interval class breaks (4 inner breaks for 5 classes) over the values shown."""
    lo, hi = min(values), max(values)
    return [lo + (hi - lo) * i / 5 for i in range(1, 5)]


def colour_for(value: float | None, breaks: list[float], higher_is_better: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_VALUE
    idx = sum(value > b for b in breaks)
    return RAMP[idx] if higher_is_better else RAMP[4 - idx]


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:,.2f}"


HIGHLIGHT = "#2b6cb0"


def choropleth(regions: list[MapRegion], layers: list[Layer], element_id: str = "map", display_width: int = WIDTH,
               locator: bool = False) -> str:
    """One <svg> with the prefectures of the regions' provinces as context, one <g class="layer">
    per layer (the first visible) and a <select> switching layers. Every region is one element
    with data-region="<code>" in every layer: a path for a prefecture, a circle for the others.
    `locator`: no classes and no legend, the regions in one highlight colour (a page's "where")."""
    bounds = load_boundaries()
    drawn_codes = {r.prefecture_code for r in regions if r.prefecture_code in bounds}
    if not drawn_codes:
        return '<p class="muted">无边界数据 / no boundaries for these regions</p>'
    provinces = {bounds[c]["properties"]["province_code"] for c in drawn_codes}
    context = [f for c, f in bounds.items() if f["properties"]["province_code"] in provinces]
    proj = Projection([bounds[c] for c in drawn_codes] if len(drawn_codes) > 1 else context)
    display_height = round(display_width * HEIGHT / WIDTH)
    out = [f'<svg id="{element_id}" class="map" viewBox="0 0 {WIDTH} {HEIGHT}" width="{display_width}" height="{display_height}" '
           'xmlns="http://www.w3.org/2000/svg" role="img">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fbfdff"/>',
           '<g class="context">']
    region_polygons = {r.prefecture_code for r in regions if r.is_prefecture}
    for f in context:
        code = f["properties"]["city_code"]
        if code in region_polygons:
            continue
        host = code in drawn_codes  # the prefecture a district or zone is drawn in: outlined
        out.append(f'<path d="{_path(f, proj)}" fill="{"#ffffff" if host else CONTEXT}" '
                   f'stroke="{"#555" if host else "#c8c8c8"}" stroke-width="{0.8 if host else 0.5}">'
                   f'<title>{html.escape(f["properties"]["city_zh"])}</title></path>')
    out.append("</g>")
    for i, layer in enumerate(layers):
        present = [v for v in layer.values.values() if v is not None]
        breaks = classes(present, layer.higher_is_better) if present else []
        fill = (lambda v: HIGHLIGHT) if locator else (lambda v: colour_for(v, breaks, layer.higher_is_better))
        style = "" if i == 0 else ' style="display:none"'
        out.append(f'<g class="layer" data-layer="{html.escape(layer.key)}"{style}>')
        prefectures = [r for r in regions if r.is_prefecture and r.prefecture_code in bounds]
        markers = [r for r in regions if not r.is_prefecture and r.prefecture_code in bounds]
        for r in prefectures:
            v = layer.values.get(r.region_code)
            out.append(f'<path class="region" data-region="{r.region_code}" d="{_path(bounds[r.prefecture_code], proj)}" '
                       f'fill="{fill(v)}" stroke="#555" stroke-width="0.8">'
                       f'<title>{html.escape(r.name_zh)} {r.region_code}: {_fmt(v)} {html.escape(layer.unit)}</title></path>')
        # Markers for districts and zones, fanned out around their prefecture's centre.
        by_pref: dict[str, list[MapRegion]] = {}
        for r in markers:
            by_pref.setdefault(r.prefecture_code, []).append(r)
        for pref, members in by_pref.items():
            cx, cy = _centroid(bounds[pref], proj)
            for j, r in enumerate(members):
                angle = 2 * math.pi * j / max(len(members), 1)
                mx, my = (cx + 14 * math.cos(angle), cy + 14 * math.sin(angle)) if len(members) > 1 else (cx, cy)
                v = layer.values.get(r.region_code)
                out.append(f'<circle class="region marker" data-region="{r.region_code}" cx="{mx:.1f}" cy="{my:.1f}" r="7" '
                           f'fill="{fill(v)}" stroke="#222" stroke-width="1.2">'
                           f'<title>{html.escape(r.name_zh)} {r.region_code}: {_fmt(v)} {html.escape(layer.unit)}</title></circle>')
        if locator:
            out.append("</g>")
            continue
        # Legend
        ly = HEIGHT - 24
        out.append(f'<text x="{PAD}" y="{ly - 6}" font-size="11">{html.escape(layer.title)}'
                   f'{(" (" + html.escape(layer.unit) + ")") if layer.unit else ""}</text>')
        edges = ([min(present)] + breaks + [max(present)]) if present else []
        for k in range(5 if present else 0):
            colour = RAMP[k] if layer.higher_is_better else RAMP[4 - k]
            out.append(f'<rect x="{PAD + k * 64}" y="{ly}" width="64" height="10" fill="{colour}" stroke="#888" stroke-width="0.3"/>'
                       f'<text x="{PAD + k * 64}" y="{ly + 21}" font-size="9">{edges[k]:,.1f}</text>')
        out.append(f'<rect x="{PAD + 5 * 64 + 8}" y="{ly}" width="12" height="10" fill="{NO_VALUE}" stroke="#888" stroke-width="0.3"/>'
                   f'<text x="{PAD + 5 * 64 + 24}" y="{ly + 9}" font-size="9">无数据 no data</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)

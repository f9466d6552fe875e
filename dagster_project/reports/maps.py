"""Inline SVG choropleths from the bundled prefecture boundaries (no tiles, no network).

Boundaries: sources/reference/boundaries/prefecture_boundaries.geojson, simplified from the China
Census city table (MIT, LICENSE beside it) by scripts/build_boundaries.py. A region that is not a
prefecture (a district, a development zone) is drawn as a marker inside its prefecture and listed
beside the map.
"""

from __future__ import annotations

import bisect
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
    idx = bisect.bisect_left(breaks, value)  # the number of breaks below the value (breaks ascend)
    return RAMP[idx] if higher_is_better else RAMP[4 - idx]


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:,.2f}"


HIGHLIGHT = "#2b6cb0"


class _Frame:
    """The projection fitted to one set of drawn prefectures, with each shape's SVG path and marker
    centre worked out once (a national build draws the same prefectures on ~3,000 locator maps
    and in every layer of an overview)."""

    def __init__(self, bounds: dict[str, dict], drawn_codes: frozenset[str]):
        self.bounds = bounds
        provinces = {bounds[c]["properties"]["province_code"] for c in drawn_codes}
        self.context = [f for c, f in bounds.items() if f["properties"]["province_code"] in provinces]
        self.proj = Projection([bounds[c] for c in sorted(drawn_codes)] if len(drawn_codes) > 1 else self.context)
        self._paths: dict[str, str] = {}
        self._centres: dict[str, tuple[float, float]] = {}

    def path(self, code: str) -> str:
        d = self._paths.get(code)
        if d is None:
            d = self._paths[code] = _path(self.bounds[code], self.proj)
        return d

    def centre(self, code: str) -> tuple[float, float]:
        c = self._centres.get(code)
        if c is None:
            c = self._centres[code] = _centroid(self.bounds[code], self.proj)
        return c


@functools.lru_cache(maxsize=1024)
def _frame(boundaries: str, drawn_codes: frozenset[str]) -> _Frame:
    return _Frame(_load(boundaries), drawn_codes)


def choropleth(regions: list[MapRegion], layers: list[Layer], element_id: str = "map", display_width: int = WIDTH,
               locator: bool = False) -> str:
    """One <svg> with the prefectures of the regions' provinces as context, one <g class="layer">
    per layer (the first visible) and a <select> switching layers. Every region is one element
    with data-region="<code>" in every layer: a path for a prefecture, a circle for the others.
    `locator`: no classes and no legend, the regions in one highlight colour (a page's "where")."""
    source = str(boundaries_path())
    bounds = _load(source)
    drawn_codes = frozenset(r.prefecture_code for r in regions if r.prefecture_code in bounds)
    if not drawn_codes:
        return '<p class="muted">无边界数据 / no boundaries for these regions</p>'
    frame = _frame(source, drawn_codes)
    display_height = round(display_width * HEIGHT / WIDTH)
    out = [f'<svg id="{element_id}" class="map" viewBox="0 0 {WIDTH} {HEIGHT}" width="{display_width}" height="{display_height}" '
           'xmlns="http://www.w3.org/2000/svg" role="img">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fbfdff"/>',
           '<g class="context">']
    region_polygons = {r.prefecture_code for r in regions if r.is_prefecture}
    for f in frame.context:
        code = f["properties"]["city_code"]
        if code in region_polygons:
            continue
        host = code in drawn_codes  # the prefecture a district or zone is drawn in: outlined
        out.append(f'<path d="{frame.path(code)}" fill="{"#ffffff" if host else CONTEXT}" '
                   f'stroke="{"#555" if host else "#c8c8c8"}" stroke-width="{0.8 if host else 0.5}">'
                   f'<title>{html.escape(f["properties"]["city_zh"])}</title></path>')
    out.append("</g>")
    # The shapes are the same in every layer: a path per prefecture, markers for districts and
    # zones fanned out around their prefecture's centre; only colours and titles change.
    shapes = [(r.region_code, f'<path class="region" data-region="{r.region_code}" d="{frame.path(r.prefecture_code)}" ',
               'stroke="#555" stroke-width="0.8">', html.escape(r.name_zh), "</path>")
              for r in regions if r.is_prefecture and r.prefecture_code in bounds]
    by_pref: dict[str, list[MapRegion]] = {}
    for r in regions:
        if not r.is_prefecture and r.prefecture_code in bounds:
            by_pref.setdefault(r.prefecture_code, []).append(r)
    for pref, members in by_pref.items():
        cx, cy = frame.centre(pref)
        for j, r in enumerate(members):
            angle = 2 * math.pi * j / max(len(members), 1)
            mx, my = (cx + 14 * math.cos(angle), cy + 14 * math.sin(angle)) if len(members) > 1 else (cx, cy)
            shapes.append((r.region_code, f'<circle class="region marker" data-region="{r.region_code}" '
                                          f'cx="{mx:.1f}" cy="{my:.1f}" r="7" ',
                           'stroke="#222" stroke-width="1.2">', html.escape(r.name_zh), "</circle>"))
    for i, layer in enumerate(layers):
        present = [v for v in layer.values.values() if v is not None]
        breaks = classes(present, layer.higher_is_better) if present else []
        fill = (lambda v: HIGHLIGHT) if locator else (lambda v: colour_for(v, breaks, layer.higher_is_better))
        style = "" if i == 0 else ' style="display:none"'
        out.append(f'<g class="layer" data-layer="{html.escape(layer.key)}"{style}>')
        unit = html.escape(layer.unit)
        values = layer.values
        for code, head, stroke, name, close in shapes:
            v = values.get(code)
            out.append(f'{head}fill="{fill(v)}" {stroke}<title>{name} {code}: {_fmt(v)} {unit}</title>{close}')
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

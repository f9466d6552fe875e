"""Feed declarations (sources/feeds/*.yml), validated strictly.

A wrong declaration (unknown key, missing mapping, bad type) fails when the
Definitions load, with the file and the key in the message, instead of surfacing as
odd data weeks later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dagster_project import settings

ColumnType = Literal["string", "integer", "number", "year", "date", "datetime", "region"]
Domain = Literal[
    "healthcare", "maternal_child", "disease", "environment", "sports",
    "pension", "population", "survey", "socioeconomic",
]


class FeedConfigError(ValueError):
    """A feed declaration is wrong. The message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Strict):
    """One publisher header for a canonical column, optionally with the unit it is published in."""
    header: str
    # The unit the values under this header are published in; converted to the column's `unit`
    # through sources/reference/units.csv. None = the column's unit.
    unit: str | None = None
    # Use this alternative only when the file also has these headers (two publishers writing the
    # same header in different units: `CO` in µg/m3 in an export that has a `station` column).
    when_file_has: list[str] = []


class ComposeSpec(_Strict):
    """A canonical value built from several publisher columns (declared, not coded)."""
    # Publisher headers, in order: [year, month, day] for a date, [date, hour] or
    # [year, month, day, hour] for a datetime, any parts for concat.
    from_: list[str] = Field(alias="from", min_length=1)
    format: Literal["date", "datetime", "concat"]
    # Text put between the parts by `concat` (default: nothing: prefix 1502 + number 01 = 150201).
    sep: str = ""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _parts(self):
        need = {"date": [3], "datetime": [2, 4]}.get(self.format)
        if need and len(self.from_) not in need:
            raise ValueError(f"compose format {self.format} takes {' or '.join(map(str, need))} columns "
                             f"(got {len(self.from_)})")
        return self


class ColumnSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    # Publisher column names that map to this canonical column (first match wins): a header, or
    # {header, unit, when_file_has}.
    source: list[SourceSpec]
    type: ColumnType
    zh: str | None = None
    unit: str | None = None
    required: bool = False
    # Values are published in a multiple of the canonical unit, e.g. 万人 -> 10000.
    multiplier: float = Field(default=1.0, gt=0)
    # Built from several publisher columns when none of `source` is in the file.
    compose: ComposeSpec | None = None
    # For a region column: the canonical column (type string) holding the province, to tell homonyms apart.
    province_column: str | None = None
    # The column holds an indicator's value as published (e.g. HC26 beds per 1,000), not a count.
    indicator: str | None = Field(default=None, pattern=r"^(HC\d{2}|X_[A-Z0-9_]+)$")

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        v = [v] if isinstance(v, (str, dict)) else v
        if not isinstance(v, list):
            return v
        return [{"header": s} if isinstance(s, str) else s for s in v]

    @field_validator("source")
    @classmethod
    def _non_empty(cls, v):
        if not v or any(not s.header.strip() for s in v):
            raise ValueError("needs at least one publisher column name")
        return v

    @property
    def headers(self) -> list[str]:
        """Every publisher header this column may come from (source alternatives, then compose parts)."""
        seen: list[str] = []
        for h in [s.header for s in self.source] + (list(self.compose.from_) if self.compose else []):
            if h not in seen:
                seen.append(h)
        return seen


class ExcelSpec(_Strict):
    sheet: str | int = 0
    # 1-based spreadsheet rows that hold the header; several rows are joined (multi-row headers).
    header_rows: list[int] = Field(default=[1], min_length=1)

    @field_validator("header_rows")
    @classmethod
    def _rows_from_one(cls, v):
        if any(r < 1 for r in v) or sorted(set(v)) != v:
            raise ValueError("header rows are 1-based spreadsheet rows in ascending order, e.g. [2, 3]")
        return v


class JsonSpec(_Strict):
    # Dotted path to the list of records inside the document ("" = the document itself).
    records_path: str = ""


class FeedConfig(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title_zh: str
    title_en: str
    domain: Domain
    publisher_zh: str
    publisher_en: str
    format: Literal["csv", "xlsx", "json"]
    file_pattern: str
    encoding: Literal["auto", "utf-8", "utf-8-sig", "gbk", "gb18030"] = "auto"
    excel: ExcelSpec | None = None
    json_options: JsonSpec | None = Field(default=None, alias="json")
    grain: list[str]
    cadence: Literal["daily", "monthly", "quarterly", "yearly"]
    # Days after which the feed counts as stale (no new file); defaults from the cadence.
    stale_after_days: int | None = None
    sample_data: bool = False
    description: str | None = None
    columns: list[ColumnSpec]
    # Publisher columns we know about and deliberately do not load.
    ignore_columns: list[str] = []
    # Canonical columns the file does not hold, with the one value every row of the feed has
    # (a yearbook extract that states its year only in its title: {year: 2019}).
    constant_columns: dict[str, int | float | str] = {}
    # Missing-value markers of this publisher (NA, N/A, 无), on top of the built-in ones (rule R6).
    missing_values: list[str] = []

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self):
        names = [c.name for c in self.columns]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"columns: duplicate canonical names {sorted(dupes)}")
        missing = [g for g in self.grain if g not in names]
        if missing:
            raise ValueError(f"grain: {missing} not declared under columns")
        if not self.grain:
            raise ValueError("grain: at least one column identifies a row")
        sources = [s for c in self.columns for s in c.headers]
        shared = sorted({s for s in sources if sources.count(s) > 1})
        if shared:
            raise ValueError(f"columns: publisher column(s) {shared} mapped to more than one canonical column")
        constant_and_declared = sorted(set(self.constant_columns) & set(names))
        if constant_and_declared:
            raise ValueError(f"constant_columns: {constant_and_declared} also declared under columns")
        ignored_and_mapped = sorted(set(self.ignore_columns) & set(sources))
        if ignored_and_mapped:
            raise ValueError(f"ignore_columns: {ignored_and_mapped} also mapped under columns")
        for c in self.columns:
            if c.province_column and (c.province_column not in names or c.type != "region"):
                raise ValueError(f"columns: {c.name}.province_column '{c.province_column}' must name a declared "
                                 "column, on a region column")
        if self.format == "xlsx" and self.excel is None:
            object.__setattr__(self, "excel", ExcelSpec())
        if self.format != "xlsx" and self.excel is not None:
            raise ValueError("excel: only allowed when format is xlsx")
        return self

    @property
    def table(self) -> str:
        return self.name

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def stale_after(self) -> int:
        default = {"daily": 2, "monthly": 45, "quarterly": 120, "yearly": 400}[self.cadence]
        return self.stale_after_days or default


def _key_of(loc: tuple, raw: dict) -> str:
    """'columns.2.type' -> 'columns[2] (hospital_beds).type': the column's name is what people search for."""
    parts: list[str] = []
    for i, p in enumerate(loc):
        if isinstance(p, int) and i > 0 and loc[i - 1] == "columns":
            columns = raw.get("columns") if isinstance(raw.get("columns"), list) else []
            name = columns[p].get("name") if p < len(columns) and isinstance(columns[p], dict) else None
            parts[-1] += f"[{p}]" + (f" ({name})" if name else "")
        else:
            parts.append(str(p))
    return ".".join(parts)


def _format_validation_error(path: Path, err: ValidationError, raw: dict) -> str:
    lines = []
    for e in err.errors():
        key = _key_of(tuple(e["loc"]), raw)
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif e["type"] == "value_error":
            msg = msg.removeprefix("Value error, ")
            # Cross-field rules name their key first ("grain: ..."); report it as the key.
            head, sep, rest = msg.partition(": ")
            if not key and sep and head in FeedConfig.model_fields:
                key, msg = head, rest
        lines.append(f"{path.name}: key '{key or '(top level)'}': {msg}")
    return f"Invalid feed declaration {path}:\n  " + "\n  ".join(lines)


# libyaml's parser when PyYAML was built with it: the same documents, about 6x faster to read.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# path -> (its text, FeedConfig): a run reads the declarations a dozen times (plan, checks, report,
# summary); a file is parsed and validated again only when its text changed. FeedConfig is frozen.
_LOADED: dict[Path, tuple[str, FeedConfig]] = {}


def load_feed_config(path: Path) -> FeedConfig:
    text = path.read_text(encoding="utf-8")
    cached = _LOADED.get(path)
    if cached is not None and cached[0] == text:
        return cached[1]
    cfg = _load_feed_config(path, text)
    _LOADED[path] = (text, cfg)
    return cfg


def _load_feed_config(path: Path, text: str) -> FeedConfig:
    try:
        raw = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise FeedConfigError(f"Invalid feed declaration {path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise FeedConfigError(f"Invalid feed declaration {path}: expected a mapping at the top level")
    try:
        cfg = FeedConfig.model_validate(raw)
    except ValidationError as exc:
        raise FeedConfigError(_format_validation_error(path, exc, raw)) from None
    if cfg.name != path.stem:
        raise FeedConfigError(
            f"Invalid feed declaration {path}: key 'name': '{cfg.name}' must equal the file name '{path.stem}'"
        )
    return cfg


def load_feed_configs(directory: Path | None = None) -> list[FeedConfig]:
    directory = directory or settings.feeds_dir()
    return [load_feed_config(p) for p in sorted(directory.glob("*.yml"))]

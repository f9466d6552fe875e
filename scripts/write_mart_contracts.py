"""Write the model contracts of the marts: `data_type` for every column, from a built warehouse.

    .venv/bin/python scripts/write_mart_contracts.py warehouse/healthy_city.duckdb
    .venv/bin/python scripts/write_mart_contracts.py warehouse/healthy_city.duckdb --check   # exit 1 if stale

For each model in dbt/models/marts/_*.yml whose documented columns are exactly the columns of the
built table, this sets each column's `data_type` to the type DuckDB gives it and the model's
`config.contract.enforced` to `{{ target.type == 'duckdb' }}`: dbt then refuses to build a mart
whose SQL renames, drops, adds or retypes a column (docs/operations.md, contracts). A model with an
undocumented or missing column is listed and left without a contract: document its columns first.
A `data_type` already written that DuckDB resolves to the built type (`double precision` for
`double`, `int` for `integer`) is kept as written. The file is edited line by line, so comments
and layout stay as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import duckdb
import yaml

MARTS = Path(__file__).resolve().parent.parent / "dbt" / "models" / "marts"
ENFORCED = "\"{{ target.type == 'duckdb' }}\""


def contract_type(duckdb_type: str) -> str:
    return duckdb_type.lower()


def built_columns(con, name: str) -> dict[str, str] | None:
    try:
        return {r[0]: contract_type(r[1]) for r in con.execute(f'describe marts."{name}"').fetchall()}
    except duckdb.Error:
        return None


def same_type(con, written: str | None, built: str) -> bool:
    """Whether DuckDB reads the type name `written` as the built type (aliases such as `double precision`)."""
    if not written:
        return False
    try:
        resolved = con.execute(f"select typeof(cast(null as {written}))").fetchone()[0]
    except duckdb.Error:
        return False
    return contract_type(resolved) == built


def rewrite(text: str, types_by_model: dict[str, dict[str, str]]) -> str:
    """Set `data_type:` under each column and the contract config under each model in types_by_model."""
    out: list[str] = []
    model = None
    for line in text.split("\n"):
        if re.match(r"^        data_type:", line) and model:
            continue  # replaced below, after its column's name
        m = re.match(r"^  - name: (\S+)\s*$", line)
        if m:
            model = m[1] if m[1] in types_by_model else None
        out.append(line)
        c = re.match(r"^      - name: (\S+)\s*$", line)
        if model and c and c[1] in types_by_model[model]:
            out.append(f"        data_type: {types_by_model[model][c[1]]}")
    text = "\n".join(out)
    for model in types_by_model:
        block = re.search(rf"^  - name: {re.escape(model)}\s*\n((?:(?!  - name: ).*\n)*)", text, re.M)
        if block is None or "      contract:" in block[1]:
            continue
        config = re.search(r"^    config:\s*\n", block[1], re.M)
        contract = f"      contract:\n        enforced: {ENFORCED}\n"
        if config:
            at = block.start(1) + config.end()
            text = text[:at] + contract + text[at:]
        else:
            at = block.start(1)
            text = text[:at] + "    config:\n" + contract + text[at:]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if a file would change")
    args = parser.parse_args(argv)
    con = duckdb.connect(str(args.warehouse), read_only=True)
    stale = 0
    for path in sorted(MARTS.glob("_*.yml")):
        text = path.read_text(encoding="utf-8")
        types = {}
        for model in (yaml.safe_load(text) or {}).get("models", []):
            documented = [c["name"] for c in model.get("columns", [])]
            built = built_columns(con, model["name"])
            if built is None:
                print(f"{path.name}: {model['name']}: not in the warehouse, left as it is")
            elif set(documented) != set(built) or len(documented) != len(built):
                print(f"{path.name}: {model['name']}: no contract: undocumented {sorted(set(built) - set(documented))}, "
                      f"not built {sorted(set(documented) - set(built))}")
            else:
                written = {c["name"]: c.get("data_type") for c in model.get("columns", [])}
                types[model["name"]] = {name: written[name] if same_type(con, written[name], kind) else kind
                                        for name, kind in built.items()}
        new = rewrite(text, types)
        if new != text:
            stale += 1
            if not args.check:
                path.write_text(new, encoding="utf-8")
            print(f"{path.name}: {'would write' if args.check else 'wrote'} contracts for {sorted(types)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

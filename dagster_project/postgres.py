"""Build the same dbt models in PostgreSQL, for analysts who query a server.

    python -m dagster_project.postgres        # after `make run`; or `make postgres`

The feeds write DuckDB, so the raw tables are copied first (DuckDB's postgres extension is not
installable offline; psycopg's COPY is), then `dbt build --target postgres` (profile target
selected by HCW_DBT_TARGET=postgres), then the analyst role gets read-only access to the marts.

Connection (environment):            default
  HCW_PG_HOST / HCW_PG_PORT          127.0.0.1 / 5432
  HCW_PG_USER / HCW_PG_PASSWORD      postgres / (none)     the role that builds (owns the tables)
  HCW_PG_DATABASE                    healthy_city          created if missing (UTF8)
  HCW_PG_ANALYST_ROLE                hcw_analyst           read-only: USAGE + SELECT on marts, reference
  HCW_PG_ANALYST_PASSWORD            (none: NOLOGIN)       set it to let the role log in itself
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from dagster_project import settings

RAW_SCHEMA = "raw"
ANALYST_SCHEMAS = ("marts", "reference")
COPY_BATCH_ROWS = 10_000

# DuckDB column type -> PostgreSQL column type. Anything else is refused with the column named,
# so a new feed type is a deliberate one-line addition here, never a silent text cast.
DUCKDB_TO_POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39, 0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "UUID": "uuid",
    "BLOB": "bytea",
    "JSON": "jsonb",
}


class UnsupportedColumnType(ValueError):
    pass


@dataclass(frozen=True)
class PgSettings:
    host: str
    port: int
    user: str
    password: str
    database: str
    analyst_role: str
    analyst_password: str

    @classmethod
    def from_env(cls) -> "PgSettings":
        env = os.environ.get
        return cls(
            host=env("HCW_PG_HOST", "127.0.0.1"),
            port=int(env("HCW_PG_PORT", "5432")),
            user=env("HCW_PG_USER", "postgres"),
            password=env("HCW_PG_PASSWORD", ""),
            database=env("HCW_PG_DATABASE", "healthy_city"),
            analyst_role=env("HCW_PG_ANALYST_ROLE", "hcw_analyst"),
            analyst_password=env("HCW_PG_ANALYST_PASSWORD", ""),
        )

    def connect(self, database: str | None = None, **kwargs) -> psycopg.Connection:
        return psycopg.connect(host=self.host, port=self.port, user=self.user, password=self.password or None,
                               dbname=database or self.database, connect_timeout=10, **kwargs)


def postgres_type(duckdb_type: str, table: str, column: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    try:
        return DUCKDB_TO_POSTGRES_TYPES[duckdb_type]
    except KeyError:
        raise UnsupportedColumnType(
            f"{RAW_SCHEMA}.{table}.{column}: DuckDB type {duckdb_type} has no PostgreSQL mapping; "
            f"add it to DUCKDB_TO_POSTGRES_TYPES in dagster_project/postgres.py") from None


def ensure_database(pg: PgSettings) -> None:
    with pg.connect("postgres", autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", [pg.database]).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {} encoding 'UTF8' template template0").format(
                sql.Identifier(pg.database)))


def copy_raw_schema(duckdb_path: Path, pg: PgSettings) -> dict[str, int]:
    """Replace raw.* in PostgreSQL with the DuckDB raw tables, in one transaction (all or nothing)."""
    copied: dict[str, int] = {}
    with duckdb.connect(str(duckdb_path), read_only=True) as duck, pg.connect() as conn:
        tables = [t for (t,) in duck.execute(
            "select table_name from duckdb_tables() where schema_name = ? order by table_name", [RAW_SCHEMA]).fetchall()]
        if not tables:
            raise RuntimeError(f"{duckdb_path}: schema {RAW_SCHEMA} has no tables; run the pipeline first (make run)")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA)))
        for table in tables:
            columns = duck.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = ? and table_name = ? "
                "order by column_index", [RAW_SCHEMA, table]).fetchall()
            target = sql.Identifier(RAW_SCHEMA, table)
            # CASCADE: dbt's staging views read raw; `dbt build` recreates them right after.
            conn.execute(sql.SQL("drop table if exists {} cascade").format(target))
            conn.execute(sql.SQL("create table {} ({})").format(target, sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(dtype, table, name)))
                for name, dtype in columns)))
            result = duck.execute(f'select * from "{RAW_SCHEMA}"."{table}"')
            rows = 0
            with conn.cursor().copy(sql.SQL("copy {} from stdin").format(target)) as copy:
                while batch := result.fetchmany(COPY_BATCH_ROWS):
                    for row in batch:
                        copy.write_row(row)
                    rows += len(batch)
            copied[f"{RAW_SCHEMA}.{table}"] = rows
    return copied


def grant_analyst_role(pg: PgSettings) -> None:
    """A read-only role: USAGE and SELECT on the analyst schemas, nothing else.

    dbt replaces a table on every build (new table, rename), so existing grants would vanish;
    ALTER DEFAULT PRIVILEGES makes every table the builder creates there readable by the role."""
    role = sql.Identifier(pg.analyst_role)
    with pg.connect(autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", [pg.analyst_role]).fetchone()
        login = (sql.SQL("login password {}").format(sql.Literal(pg.analyst_password)) if pg.analyst_password
                 else sql.SQL("nologin"))
        conn.execute(sql.SQL("{} role {} {} nosuperuser nocreatedb nocreaterole noinherit").format(
            sql.SQL("alter" if exists else "create"), role, login))
        conn.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(pg.database), role))
        conn.execute(sql.SQL("revoke create on schema public from public"))
        for schema in ANALYST_SCHEMAS:
            ident = sql.Identifier(schema)
            conn.execute(sql.SQL("create schema if not exists {}").format(ident))
            conn.execute(sql.SQL("revoke create on schema {} from {}").format(ident, role))
            conn.execute(sql.SQL("grant usage on schema {} to {}").format(ident, role))
            conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(ident, role))
            conn.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(ident, role))


def dbt_target_path() -> str:
    """A target dir of its own: sharing the DuckDB one would force a full re-parse each switch."""
    return os.environ.get("DBT_TARGET_PATH", "target") + "-postgres"


def run_dbt_build(pg: PgSettings, extra_args: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HCW_DBT_TARGET": "postgres",
        "HCW_PG_HOST": pg.host,
        "HCW_PG_PORT": str(pg.port),
        "HCW_PG_USER": pg.user,
        "HCW_PG_PASSWORD": pg.password,
        "HCW_PG_DATABASE": pg.database,
    }
    dbt = str(Path(sys.executable).with_name("dbt"))
    # Unit tests check model logic and run in every DuckDB build; on PostgreSQL two of them fail for
    # reasons outside the models (a unit test name over PostgreSQL's 63-character identifier limit,
    # and fixture literals compared with a numeric column), which would skip every model downstream.
    command = [dbt, "build", "--target", "postgres", "--project-dir", str(settings.DBT_PROJECT_DIR),
               "--profiles-dir", str(settings.DBT_PROJECT_DIR), "--target-path", dbt_target_path(),
               "--exclude-resource-type", "unit_test", *(extra_args or [])]
    return subprocess.run(command, env=env, cwd=settings.DBT_PROJECT_DIR, capture_output=True, text=True)


def build_postgres(pg: PgSettings | None = None, duckdb_path: Path | None = None) -> dict[str, object]:
    """Copy raw, build every dbt model and test in PostgreSQL, grant the analyst role."""
    pg = pg or PgSettings.from_env()
    started = time.monotonic()
    ensure_database(pg)
    # Grants first: ALTER DEFAULT PRIVILEGES must exist before dbt creates the tables.
    grant_analyst_role(pg)
    copied = copy_raw_schema(duckdb_path or settings.warehouse_path(), pg)
    build = run_dbt_build(pg)
    if build.returncode != 0:
        raise RuntimeError(f"dbt build --target postgres failed (exit {build.returncode}):\n"
                           + "\n".join(build.stdout.splitlines()[-40:]) + build.stderr[-2000:])
    grant_analyst_role(pg)
    return {"raw_rows": copied, "seconds": time.monotonic() - started, "dbt_output": build.stdout}


def main() -> int:
    pg = PgSettings.from_env()
    result = build_postgres(pg)
    print("\n".join(line for line in result["dbt_output"].splitlines() if "Done." in line or "ERROR" in line))
    print(f"PostgreSQL {pg.host}:{pg.port}/{pg.database}: raw copied "
          f"({sum(result['raw_rows'].values())} rows), dbt build done in {result['seconds']:.1f} s; "
          f"read-only role {pg.analyst_role} on schemas {', '.join(ANALYST_SCHEMAS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The same dbt models built in a real PostgreSQL server started on 127.0.0.1 for this module.

`make test` installs the Debian package (make postgres-install); without it these tests skip.
"""

import math
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

FCT_COLUMNS = "region_code, year, indicator_code, numerator, denominator, value, unit, direction, input_load_ids"
SUPERUSER_PASSWORD = "builder-secret"
ANALYST_PASSWORD = "analyst-secret"


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_server():
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server not installed (/usr/lib/postgresql/*/bin/initdb missing; "
                    "`make postgres-install` runs apt-get install postgresql)")
    # initdb refuses to run as root: run the server as the package's `postgres` user.
    user = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
    # Not under pytest's tmp dir: that is root-only (0700) and the server user could not enter it.
    root = Path(tempfile.mkdtemp(prefix="hcw-postgres-"))
    data, sockets, pwfile = root / "data", root / "sockets", root / "pwfile"
    sockets.mkdir()
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    if user:
        for path in (root, sockets, pwfile):
            os.chown(path, user.pw_uid, user.pw_gid)

    def as_server_user(*command):
        prefix = ["runuser", "-u", "postgres", "--"] if user else []
        return subprocess.run([*prefix, *map(str, command)], capture_output=True, text=True, timeout=120)

    init = as_server_user(bin_dir / "initdb", "-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                          "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}")
    assert init.returncode == 0, init.stderr
    port = _free_port()
    start = as_server_user(bin_dir / "pg_ctl", "-D", data, "-l", root / "server.log", "-w", "-t", "60", "-o",
                           f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    assert start.returncode == 0, start.stderr + start.stdout
    try:
        yield {"host": "127.0.0.1", "port": port}
    finally:
        as_server_user(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_build(postgres_server, warehouse):
    from dagster_project.postgres import PgSettings, build_postgres

    pg = PgSettings(host=postgres_server["host"], port=postgres_server["port"], user="postgres",
                    password=SUPERUSER_PASSWORD, database="healthy_city", analyst_role="hcw_analyst",
                    analyst_password=ANALYST_PASSWORD)
    result = build_postgres(pg, duckdb_path=warehouse["warehouse"])
    return {"pg": pg, **result}


def _analyst_connection(pg):
    import psycopg

    return psycopg.connect(host=pg.host, port=pg.port, user=pg.analyst_role, password=ANALYST_PASSWORD,
                           dbname=pg.database)


def test_raw_tables_are_copied_row_for_row(postgres_build, warehouse):
    from tests.conftest import duck

    with duck(warehouse["warehouse"]) as con:
        expected = {f"raw.{t}": con.execute(f'select count(*) from raw."{t}"').fetchone()[0]
                    for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()}
    assert postgres_build["raw_rows"] == expected
    assert expected["raw.pension_beds"] == 45  # 5 seed regions × 9 years (2016-2024)


def test_postgres_fct_indicator_value_equals_duckdb(postgres_build, warehouse):
    from tests.conftest import duck

    order = " order by region_code, year, indicator_code"
    with duck(warehouse["warehouse"]) as con:
        duck_rows = con.execute(f"select {FCT_COLUMNS} from marts.fct_indicator_value{order}").fetchall()
    with _analyst_connection(postgres_build["pg"]) as conn:
        pg_rows = conn.execute(f"select {FCT_COLUMNS} from marts.fct_indicator_value{order}").fetchall()
        baotou = conn.execute("select numerator, denominator, value from marts.fct_indicator_value "
                              "where region_code = '150200' and year = 2020 and indicator_code = 'HC17'").fetchone()
    assert len(pg_rows) == len(duck_rows) > 45
    for d, p in zip(duck_rows, pg_rows):
        assert p[:3] == d[:3] and p[6:] == d[6:], (d, p)
        for dv, pv in zip(d[3:6], p[3:6]):  # numerator, denominator, value: doubles, same to 1e-12
            assert (dv is None and pv is None) or math.isclose(float(dv), float(pv), rel_tol=1e-12), (d, p)
    # (26,458 institution + 7,107 community) beds / 547,023.4182 residents aged 60+ (2020 census:
    # 2,709,378 × 20.19 / 100) × 1,000 = 61.3593…
    assert baotou[0] == 33565 and float(baotou[1]) == pytest.approx(547_023.4182, rel=1e-12)
    assert float(baotou[2]) == pytest.approx(61.359347, abs=1e-6)


def test_analyst_role_reads_marts_and_cannot_write(postgres_build, warehouse):
    import psycopg

    from tests.conftest import duck

    with duck(warehouse["warehouse"]) as con:
        n_indicators = con.execute("select count(*) from reference.dim_indicator").fetchone()[0]
    with _analyst_connection(postgres_build["pg"]) as conn:
        assert conn.execute("select count(*) from reference.dim_indicator").fetchone()[0] == n_indicators
        assert conn.execute("select indicator_name_zh from reference.dim_indicator "
                            "where indicator_code = 'HC17'").fetchone() == ("每千名老年人口拥有养老床位数",)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute("insert into marts.fct_indicator_value (region_code, year, indicator_code) "
                         "values ('150200', 2030, 'HC17')")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute("delete from marts.fct_indicator_value")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute("create table marts.scratch (x integer)")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute("select count(*) from raw.pension_beds")  # raw stays with the pipeline


def test_postgres_analysts_see_table_and_column_comments(postgres_build):
    """persist_docs (dbt/dbt_project.yml): dbt's descriptions become COMMENTs analysts see with \\d+."""
    from tests.integration.test_dbt_docs import documented

    description, columns = documented()
    with _analyst_connection(postgres_build["pg"]) as conn:
        table = conn.execute("select obj_description('marts.fct_indicator_value'::regclass, 'pg_class')").fetchone()[0]
        comments = dict(conn.execute(
            "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a "
            "where a.attrelid = 'marts.fct_indicator_value'::regclass and a.attnum > 0 and not a.attisdropped"
        ).fetchall())
    assert table.strip() == description
    assert comments["region_code"] == "行政区划代码 / 6-digit region code"
    assert {name: comments[name] for name in columns} == columns

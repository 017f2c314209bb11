"""jdbc-health-check (Java, the PostgreSQL JDBC driver) against Debian's
PostgreSQL with a real migrations table; database-migration-check (C#,
Npgsql 8 + Dapper 2.1), which needs .NET, refused here with the reason."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest

from tests.samples.library import SampleRunner, covers, manifest, sample_path
from tests.servers import PostgresCluster

pytestmark = pytest.mark.slow

# Applied in this order; as text "1.9" > "1.10", as versions 1.10 is the newest.
MIGRATIONS = ["1.0", "1.2", "1.9", "1.10"]


@pytest.fixture(scope="module")
def shop(postgres: PostgresCluster) -> dict[str, str]:
    """A database with an orders table and a schema_migrations table (Rails' layout)."""
    name = f"shop_{uuid.uuid4().hex[:8]}"
    postgres.create_database(name)
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname={name}", autocommit=True) as db:
        db.execute("CREATE TABLE orders (id serial PRIMARY KEY, total numeric NOT NULL)")
        db.execute("INSERT INTO orders (total) SELECT n FROM generate_series(1, 42) AS n")
        db.execute("CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz DEFAULT now())")
        for version in MIGRATIONS:
            db.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
    return {"jdbc_url": f"jdbc:postgresql://127.0.0.1:{postgres.port}/{name}", "port": str(postgres.port)}


@covers("jdbc-health-check")
def test_jdbc_check_passes_with_its_query_and_migrations(samples: SampleRunner, shop: dict[str, str]) -> None:
    password = samples.secret("shop-db-password", "not-needed-by-trust-auth")
    run = samples.run("jdbc-health-check", {
        "jdbc_url": shop["jdbc_url"], "user": "postgres", "password": password, "query": "SELECT count(*) FROM orders",
        "max_latency_ms": 30000, "migrations_table": "schema_migrations", "expected_version": "1.10",
    })
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert out["healthy"] is True and out["problems"] == []
    assert out["database"].startswith("PostgreSQL ") and out["result"] == "42"
    assert (out["migration_version"], out["migrations_applied"], out["expected_version"]) == ("1.10", 4, "1.10")
    assert run.lines("✓")[1].startswith("✓ SELECT count(*) FROM orders → 42")
    assert run.lines("✓")[-1] == "✓ the newest migration is 1.10 (4 applied), at least 1.10 expected"


@covers("jdbc-health-check")
def test_jdbc_check_fails_behind_on_migrations_on_a_bad_query_and_without_a_database(
        samples: SampleRunner, shop: dict[str, str]) -> None:
    run = samples.run("jdbc-health-check", {"jdbc_url": shop["jdbc_url"], "user": "postgres", "max_latency_ms": 30000,
                                            "migrations_table": "schema_migrations", "expected_version": "1.11"})
    assert run.exit_code == 1, run.describe()
    assert run.outputs["problems"] == ["the newest migration is 1.10 (4 applied), at least 1.11 expected"]
    assert run.lines("✗") == ["✗ the newest migration is 1.10 (4 applied), at least 1.11 expected"]

    run = samples.run("jdbc-health-check", {"jdbc_url": shop["jdbc_url"], "user": "postgres", "query": "SELECT * FROM invoices"})
    assert run.exit_code == 1, run.describe()
    assert 'relation "invoices" does not exist' in run.outputs["problems"][0]

    missing = shop["jdbc_url"].rsplit("/", 1)[0] + "/no_such_db"
    run = samples.run("jdbc-health-check", {"jdbc_url": missing, "user": "postgres"})
    assert run.exit_code == 2, run.describe()
    assert 'database "no_such_db" does not exist' in run.lines("✗")[0]


@covers("database-migration-check")
def test_migration_check_in_csharp_needs_dotnet_and_is_refused_here_saying_why(samples: SampleRunner) -> None:
    """Npgsql 8 targets .NET 6+ only, C# runs on Mono here and nuget.org is
    unreachable: saving the sample is refused naming a package it cannot get
    (what a user of this installation sees), nothing is stored."""
    entry = manifest()["database-migration-check"]
    response = samples.server.request("POST", "/scripts", token=samples.token, json={
        "name": entry["id"], "language": "csharp", "entry_point": entry["file"],
        "content": sample_path(entry).read_text(encoding="utf-8")})
    assert response.status_code == 400, response.text
    assert re.search(r"version (8\.0\.0|2\.1\.0) of package '(Npgsql|Dapper)' was not found", response.text), response.text
    listed = samples.server.request("GET", "/scripts?q=database-migration-check", token=samples.token).json()
    assert listed["total"] == 0, listed

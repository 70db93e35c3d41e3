"""The host package is an edge: ``import overdue`` never loads it, nor a database driver."""

from __future__ import annotations

import inspect
import subprocess
import sys

import overdue.host


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    return set(done.stdout.split())


def test_importing_overdue_loads_no_host_and_no_database_driver() -> None:
    modules = loaded_after("import overdue")
    assert "overdue.host" not in modules
    assert "sqlite3" not in modules
    assert "psycopg" not in modules


def test_the_host_package_loads_psycopg_only_for_the_postgres_store() -> None:
    assert "psycopg" not in loaded_after("import overdue.host")
    assert "psycopg" in loaded_after("from overdue.host import PostgresStore")


def test_every_public_name_is_documented() -> None:
    for name in overdue.host.__all__:
        value = getattr(overdue.host, name)
        if not inspect.isclass(value):
            continue  # RunStep, a Literal alias, is documented in the module
        assert inspect.getdoc(value), name
        if inspect.isclass(value):
            for attr, member in vars(value).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    assert inspect.getdoc(member), f"{name}.{attr}"

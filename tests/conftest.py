import json
import os
import sys

# Qt tests run headless; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from annotator.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SAMPLES = REPO / "resources" / "samples"


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for the whole run (see tests/postgres.py), and a template
    database holding an empty project with the default schema, which each server project of
    a test is copied from (CREATE DATABASE ... TEMPLATE: a few milliseconds)."""
    from tests.postgres import Server

    server = Server().start()  # its own directory under /tmp: the server's user must reach it
    server.admin_execute("CREATE DATABASE project_template")
    Store(server.url("project_template")).close()
    server.databases = iter(range(1, 10**9))
    yield server
    server.destroy()


@pytest.fixture
def server_url(pg_server):
    """The URL of a fresh server project (the default schema), dropped after the test."""
    name = f"project_{next(pg_server.databases)}"
    pg_server.admin_execute(f"CREATE DATABASE {name} TEMPLATE project_template")
    yield pg_server.url(name)
    pg_server.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request):
    """A fresh project with the default schema, on each backend: in memory (SQLite), and a
    database of a real PostgreSQL server."""
    if request.param == "sqlite":
        with Store(":memory:") as s:
            yield s
        return
    url = request.getfixturevalue("server_url")
    with Store(url) as s:
        yield s


@pytest.fixture
def sqlite_store():
    """A fresh in-memory project, for what only a project file has (its pragmas, its file)."""
    with Store(":memory:") as s:
        yield s


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "project.db"


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real corpus not present at {SHARED_DATA} (see README: tests and data)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def spanish_pipeline():
    """The real Spanish pipeline with the gazetteer, loaded once for the session."""
    from annotator.nlp import load_pipeline
    from annotator.schema import load_schema

    pipeline = load_pipeline("es", load_schema())
    assert pipeline.has_model, pipeline.message
    return pipeline


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """Keep QSettings, the default project and the login name of tests away from the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)


def report(name: str, value: int) -> None:
    """A figure for the README's Reliability section: printed, and written to the file named by
    ANNOTATOR_RELIABILITY_REPORT (which `make reliability` sets)."""
    target = os.environ.get("ANNOTATOR_RELIABILITY_REPORT")
    if target:
        existing = json.loads(Path(target).read_text()) if Path(target).exists() else {}
        existing[name] = value
        Path(target).write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")
    print(f"RELIABILITY {name}={value}")


def _loaded(name: str):
    """A test module of this run (pytest imports them under their file name)."""
    return sys.modules.get(name) or sys.modules.get(f"tests.{name}")


def pytest_sessionfinish(session, exitstatus):
    """The counts the hostile-input and merge tests kept, reported once every test has run."""
    hostile, merge = _loaded("test_hostile_inputs"), _loaded("test_merge")
    if hostile is not None and hostile.TRIED["jsonl_files"]:
        for name, value in hostile.TRIED.items():
            report(f"hostile_inputs_{name}", value)
    if merge is not None and merge.REFUSED:
        report("untrusted_files_refused", len(merge.REFUSED))

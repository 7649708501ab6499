"""A project on a team's server: creating it (the database, the schema, the roles and the rules
the server enforces on every connection), adding people to it, and moving a project exactly
between a file and a server (push, pull).

Who may do what is enforced by PostgreSQL itself (grants and row-level security), not by the
window: an analyst's connection is refused another's spans, gold, the schema, and any other
project's database.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotator.errors import StoreError
from annotator.store.pg_schema import TABLES
from annotator.store.policies import ANALYST, REVIEWER, apply_policies
from annotator.store.postgres import redacted

ROLES = ("analyst", "reviewer", "admin")


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,62}$")


def _identifier(name: str) -> str:
    """A role or database name, quoted; refused unless plain (letters, digits, _ . @ -)."""
    if not _NAME.match(name):
        raise StoreError(f"{name!r} cannot be a user or project name (letters, digits, _ . @ - only)")
    return '"' + name + '"'


def _database_of(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    name = conninfo_to_dict(url).get("dbname")
    if not name:
        raise StoreError(f"{redacted(url)}: the URL names no database (postgresql://host/DATABASE)")
    return str(name)


def _maintenance_url(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    params["dbname"] = "postgres"
    return make_conninfo(**params)


def init_server(url: str, schema: Any = None, say: Callable[[str], None] = lambda _m: None) -> None:
    """Create the project at ``url`` (its database if missing, the schema, the team's roles and
    the server's rules); run again, it brings the rules up to date and changes no data."""
    import psycopg

    from annotator.store import Store

    database = _database_of(url)
    try:
        with psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=10) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
            if not exists:
                admin.execute(f"CREATE DATABASE {_identifier(database)}")
                say(f"Created the database {database}")
            for role in (ANALYST, REVIEWER):
                if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    admin.execute(f"CREATE ROLE {role} NOLOGIN")
            admin.execute(f"GRANT {ANALYST} TO {REVIEWER}")
    except psycopg.Error as e:
        raise StoreError(f"{redacted(url)}: cannot create the project ({str(e).strip().splitlines()[0]})") from e
    with Store(url, schema) as store:
        with store.transaction():
            apply_policies(store.conn)
            store.conn.execute(f"REVOKE CONNECT ON DATABASE {_identifier(database)} FROM PUBLIC")
            owner = store.conn.raw.info.user
            store.conn.execute(
                "INSERT INTO annotator_meta (key, value) VALUES ('admin', ?) ON CONFLICT (key) DO NOTHING",
                (owner,),
            )
        say(f"{redacted(url)}: a project (schema {store.version}); its admin is {owner}")


def add_user(url: str, name: str, role: str, password: str | None = None) -> None:
    """Let ``name`` into the project at ``url`` as analyst, reviewer or admin (creating the
    login if the server has none of that name; ``password`` is sent already hashed)."""
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    from annotator.store import Store

    quoted = _identifier(name)
    with Store(url) as store:
        conn = store.conn
        database = _identifier(_database_of(url))
        with store.transaction():
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone():
                conn.execute(f"CREATE ROLE {quoted} LOGIN")
            if password:
                hashed = conn.raw.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
                conn.execute(f"ALTER ROLE {quoted} PASSWORD '{hashed.decode()}'")
            conn.execute(f"GRANT CONNECT ON DATABASE {database} TO {quoted}")
            if role == "admin":
                owner = conn.execute("SELECT value FROM annotator_meta WHERE key = 'admin'").fetchone()[0]
                conn.execute(f"GRANT {_identifier(owner)} TO {quoted}")
            else:
                conn.execute(f"GRANT {REVIEWER if role == 'reviewer' else ANALYST} TO {quoted}")


def users(url: str) -> list[tuple[str, str]]:
    """(name, role) of everyone who may connect to the project at ``url``."""
    from annotator.store import Store

    with Store(url) as store:
        conn = store.conn
        owner = conn.execute("SELECT value FROM annotator_meta WHERE key = 'admin'").fetchone()
        rows = conn.execute(
            "SELECT r.rolname, pg_has_role(r.oid, ?, 'MEMBER'), pg_has_role(r.oid, ?, 'MEMBER') "
            "FROM pg_roles r WHERE r.rolcanlogin AND has_database_privilege(r.oid, current_database(), 'CONNECT') "
            "ORDER BY r.rolname",
            (REVIEWER, ANALYST),
        ).fetchall()
    found = []
    for name, reviewer, analyst in rows:
        if owner and name == owner[0]:
            found.append((name, "admin"))
        elif reviewer:
            found.append((name, "reviewer"))
        elif analyst:
            found.append((name, "analyst"))
    return found


# -- moving a project between a file and a server


def _columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]


def _has_work(store: Any) -> bool:
    return bool(store.conn.execute("SELECT EXISTS (SELECT 1 FROM documents) OR EXISTS (SELECT 1 FROM history)").fetchone()[0])


def push(file: Path, url: str, progress: Callable[[str, int], None] = lambda _t, _n: None) -> dict[str, int]:
    """Copy the project ``file`` onto the empty server project at ``url``, exactly (every row
    of every table, ids included), in one transaction. Returns the rows copied per table."""
    from annotator.store import Store

    with Store(file):  # brought up to date first (with its backup), if older
        pass
    copied: dict[str, int] = {}
    source = sqlite3.connect(f"file:{Path(file).resolve()}?mode=ro", uri=True)
    try:
        with Store(url) as target:
            if _has_work(target):
                raise StoreError(
                    f"{redacted(url)} already holds documents or work: push goes to an empty project "
                    "(to bring a file's work into one, use annotator merge)"
                )
            with target.transaction():
                conn = target.conn
                for table in reversed(TABLES):
                    conn.execute(f"DELETE FROM {table}")
                for table in TABLES:
                    columns = _columns(source, table)
                    names = ", ".join(f'"{c}"' for c in columns)
                    copied[table] = conn.copy_rows(
                        table, names, source.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
                    )
                    progress(table, copied[table])
                for table in TABLES:
                    if "id" in _columns(source, table):
                        conn.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                        )
                # the planner's statistics of the tables just filled (without them, taking the
                # next article read every unassigned one: 5 ms instead of 0.1 on 3,000)
                conn.execute("ANALYZE")
    finally:
        source.close()
    return copied


def pull(url: str, file: Path, progress: Callable[[str, int], None] = lambda _t, _n: None) -> dict[str, int]:
    """Copy the server project at ``url`` into a new project file, exactly. Returns the rows
    copied per table. The file must not exist (nothing is overwritten)."""
    from annotator.store import Store

    file = Path(file)
    if file.exists():
        raise StoreError(f"{file} exists: pull writes a new file (choose another name, or remove it)")
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    copied: dict[str, int] = {}
    try:
        with Store(url) as source, Store(partial, before_migrate=None) as target:
            conn = target.conn
            with target.transaction():
                for table in reversed(TABLES):
                    conn.execute(f"DELETE FROM {table}")
                for table in TABLES:
                    columns = _columns(conn, table)
                    names = ", ".join(f'"{c}"' for c in columns)
                    rows = source.conn.execute(f"SELECT {names} FROM {table} ORDER BY 1")
                    marks = ", ".join("?" * len(columns))
                    count = 0
                    while batch := rows.fetchmany(5000):
                        conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)
                        count += len(batch)
                    copied[table] = count
                    progress(table, count)
                conn.execute("INSERT INTO documents_fts (documents_fts) VALUES ('rebuild')")
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return copied


def server_backup_folder(url: str) -> Path:
    """Where backups of a server project are kept on this machine (project files, by pull)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("annotator", appauthor=False)) / "server-backups" / _database_of(url)


def backup_server(url: str, reason: str = "manual", keep: int = 5) -> Path:
    """A backup of the server project: a project file pulled from it (any copy of annotator
    opens it; ``annotator push`` puts it on a server again). The last ``keep`` of each reason
    are kept."""
    from datetime import datetime, timezone

    folder = server_backup_folder(url)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{_database_of(url)}-{stamp}-{reason}.db"
    pull(url, target)
    kept = sorted(folder.glob(f"*-{reason}.db"))
    for old in kept[:-keep]:
        old.unlink()
    return target

"""A project file from elsewhere (a colleague's, a backup to restore) is untrusted input: it is
checked before anything is read from it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from annotator.errors import NewerSchemaError, NotAProjectError
from annotator.store.files import read_only_uri
from annotator.store.migrations import APPLICATION_ID, SCHEMA_VERSION, catalogue_problem


class UntrustedFileError(NotAProjectError):
    """A colleague's file that this tool will not read (damaged, altered, foreign, newer)."""


def _read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(read_only_uri(path), uri=True, isolation_level=None)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA query_only = ON")
    return conn


def check_untrusted(path: Path) -> int:
    """Refuse (UntrustedFileError, NewerSchemaError) a file this tool should not read; return
    its schema version. Reads nothing but the header and SQLite's own catalogue."""
    if not path.is_file():
        raise UntrustedFileError(f"{path}: no such file")
    with open(path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise UntrustedFileError(f"{path}: not a SQLite database")
    try:
        conn = _read_only(path)
    except sqlite3.Error as e:
        raise UntrustedFileError(f"{path}: cannot be opened read-only ({e})") from e
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if application_id != APPLICATION_ID:
            raise UntrustedFileError(
                f"{path}: a SQLite file of another application, not an annotator project"
            )
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{path}: written by a newer version of annotator (schema {version}, this one reads up to "
                f"{SCHEMA_VERSION}); update annotator to merge it"
            )
        if version < 1:
            raise UntrustedFileError(f"{path}: has no annotator schema")
        check = conn.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise UntrustedFileError(f"{path}: damaged ({'; '.join(row[0] for row in check[:3])})")
        unexpected = catalogue_problem(conn, version)
    except sqlite3.DatabaseError as e:
        raise UntrustedFileError(f"{path}: damaged or not a database ({e})") from e
    finally:
        conn.close()
    if unexpected:
        raise UntrustedFileError(f"{path}: {unexpected}")
    return version

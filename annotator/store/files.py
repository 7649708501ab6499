"""Opening SQLite files: a project's connection with its settings, a read-only URI for files
from elsewhere, and where the default project lives."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote


def read_only_uri(path: str | Path) -> str:
    """A URI that opens ``path`` read-only (for files from elsewhere, and backups)."""
    return "file:" + quote(str(Path(path).resolve())) + "?mode=ro"


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection with this project's settings; transactions are opened explicitly."""
    # uri=True lets ATTACH open a colleague's file read-only ("file:...?mode=ro"); a plain path
    # (without "file:") is still a plain path.
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=10.0, check_same_thread=False, uri=True)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    # Functions in triggers, views and CHECKs of a file must be innocuous (SQLite's own advice
    # for files that may come from elsewhere). This is why JSON columns have no json_valid()
    # CHECK: every JSON value is written by dump_json().
    conn.execute("PRAGMA trusted_schema = OFF")
    return conn


def default_db_path() -> Path:
    """``ANNOTATOR_DB`` if set, else ``default.db`` in the user's data directory."""
    override = os.environ.get("ANNOTATOR_DB")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("annotator", appauthor=False)) / "default.db"

"""Bringing a colleague's project in: the file is untrusted input.

The other file is checked before anything is read from it: SQLite's header, this tool's
``application_id``, a schema version this tool knows, ``PRAGMA quick_check``, and every table,
index, trigger and view compared with what this tool itself writes for that version (so a
trigger, a view or an altered table is refused: none of its code can run). It is opened
read-only with ``trusted_schema`` off. Then one transaction copies, by text hash, its new
documents and the work of its people (annotators of kind human, import, gold) under their
names; this project's own rows are never changed. Merging the same file again adds nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import NewerSchemaError, NotAProjectError, StoreError
from annotator.store import APPLICATION_ID, SCHEMA_VERSION, Store, catalogue_problem, read_only_uri


class UntrustedFileError(NotAProjectError):
    """A colleague's file that this tool will not read (damaged, altered, foreign, newer)."""


@dataclass
class MergeReport:
    path: str
    documents_new: int = 0
    documents_matched: int = 0
    spans_added: dict[str, int] = field(default_factory=dict)
    links_added: int = 0
    statuses_added: int = 0
    conflicts: list[str] = field(default_factory=list)
    skipped_models: list[str] = field(default_factory=list)

    def summary(self) -> str:
        spans = sum(self.spans_added.values())
        text = (
            f"Merged {self.path}: {self.documents_new} new document(s), {self.documents_matched} matched by text, "
            f"{spans} span(s) added"
        )
        if self.spans_added:
            text += (
                " (" + ", ".join(f"{name} {count}" for name, count in sorted(self.spans_added.items())) + ")"
            )
        text += f", {self.links_added} link(s)"
        if self.skipped_models:
            text += f"; model suggestions not merged ({', '.join(self.skipped_models)})"
        if self.conflicts:
            text += "; CONFLICTS, not merged: " + "; ".join(self.conflicts)
        return text


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


def merge(store: Store, path: Path, annotator: str = "merge") -> MergeReport:
    """Merge a colleague's project file into ``store``; see the module docstring.

    Raises UntrustedFileError or NewerSchemaError, having written nothing, for a file it will
    not read. A file of an older schema is read from a migrated copy in a temporary folder.
    """
    version = check_untrusted(path)
    report = MergeReport(str(path))
    temporary = None
    source = path
    try:
        if version < SCHEMA_VERSION:
            temporary = Path(tempfile.mkdtemp(prefix="annotator-merge-"))
            source = temporary / "colleague.db"
            shutil.copyfile(path, source)
            Store(source).close()  # forward migrations, on the copy only
        store.merge_attached(source, report, annotator)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    return report


__all__ = ["MergeReport", "UntrustedFileError", "check_untrusted", "merge", "StoreError"]

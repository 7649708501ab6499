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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import StoreError
from annotator.store import SCHEMA_VERSION, Store
from annotator.store.untrusted import UntrustedFileError, check_untrusted


@dataclass
class MergeReport:
    path: str
    documents_new: int = 0
    documents_matched: int = 0
    spans_added: dict[str, int] = field(default_factory=dict)
    links_added: int = 0
    document_labels_added: int = 0
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
        if self.document_labels_added:
            text += f", {self.document_labels_added} document label(s)"
        if self.skipped_models:
            text += f"; model suggestions not merged ({', '.join(self.skipped_models)})"
        if self.conflicts:
            text += "; CONFLICTS, not merged: " + "; ".join(self.conflicts)
        return text


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
            Store(
                source, before_migrate=None
            ).close()  # forward migrations, on the copy only (no backup of it)
        store.merge_attached(source, report, annotator)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    return report


__all__ = ["MergeReport", "UntrustedFileError", "check_untrusted", "merge", "StoreError"]

"""Every file format in one table: its name, the extensions it is known by, and the module that
holds its reader and its writer. Import, export, the command line's choices and the dialogs all
read this table (:data:`FORMATS`); a new format is one module and one row here.

A format's module has ``read(path)``, yielding ``(line number or None, Record or LineError)``
(:mod:`annotator.formats.reading`), and/or ``writer(options)``, an object with
``write(store, selection, out, report, progress)`` (:mod:`annotator.formats.writing`); and
maybe ``prepare(record, schema)``, putting a record's values in the schema's terms before it is
checked. Modules are loaded on first use: the table costs nothing at start-up. The flows around
them (one transaction per file, progress, the walk over a selection) are
:mod:`annotator.importing` and :mod:`annotator.exporting`.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any


class Format:
    """One format (a plain class rather than a dataclass: the command line builds this table at
    every start, the window's included)."""

    __slots__ = ("name", "title", "extensions", "module", "readable", "writable", "folder", "renames", "_code")

    def __init__(
        self,
        name: str,
        title: str,
        extensions: tuple[str, ...],
        module: str,
        *,
        readable: bool = True,
        writable: bool = True,
        folder: bool = False,
        renames: bool = False,
    ) -> None:
        self.name = name
        #: As a person reads it in a dialog.
        self.title = title
        #: Extensions it is recognised by, lower case; the first is the one written.
        self.extensions = extensions
        #: The module of annotator.formats holding its reader and writer.
        self.module = module
        self.readable = readable
        self.writable = writable
        #: Written as a folder (brat), not a file.
        self.folder = folder
        #: Its reader takes a file's own names for the accepted keys (doccano's "column_data").
        self.renames = renames
        self._code: ModuleType | None = None

    def code(self) -> ModuleType:
        """The format's module, loaded on first use (then kept: prepare runs once a record)."""
        if self._code is None:
            self._code = import_module(f"annotator.formats.{self.module}")
        return self._code

    def read(self, path: Path, rename: dict[str, str] | None = None) -> Any:
        """The reader's stream for ``path`` (``rename`` for formats that take it)."""
        code = self.code()
        return code.read(path, rename) if rename and self.renames else code.read(path)

    def writer(self, options: dict[str, Any]) -> Any:
        return self.code().writer(options)

    def prepare(self, record: Any, schema: Any) -> None:
        hook = getattr(self.code(), "prepare", None)
        if hook is not None:
            hook(record, schema)


#: In the order people see them: formats for people first, then for models and tools.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("csv", "CSV (spreadsheets)", (".csv",), "table"),
        Format("json", "JSON (everything, readable)", (".json",), "portable"),
        Format("jsonl", "JSONL (Prodigy)", (".jsonl", ".ndjson"), "jsonl", renames=True),
        Format("spacy", "spaCy DocBin (.spacy)", (".spacy",), "docbin"),
        Format("conll", "CoNLL (IOB2)", (".conll", ".conll2002", ".iob", ".bio"), "conll"),
        Format("brat", "brat standoff (folder)", (), "brat", folder=True),
        Format("qdpx", "REFI-QDA project (MAXQDA, NVivo, ATLAS.ti, QualCoder)", (".qdpx", ".qde"), "qdpx"),
        Format("txt", "Plain text", (".txt",), "txt", writable=False),
        Format("html", "Saved web page (the article)", (".html", ".htm"), "web", writable=False),
        Format("pdf", "PDF (its text)", (".pdf",), "pdf", writable=False),
    )
}
#: What can be read, and what can be written, by name.
READABLE = tuple(name for name, f in FORMATS.items() if f.readable)
WRITABLE = tuple(name for name, f in FORMATS.items() if f.writable)
#: Extension -> format name, for files whose format is not given.
EXTENSIONS = {extension: f.name for f in FORMATS.values() for extension in f.extensions}


def by_extension(path: Path) -> str | None:
    """The format a file's extension says, or None."""
    return EXTENSIONS.get(path.suffix.lower())


def dialog_filter() -> str:
    """The import dialog's name filter, from :data:`EXTENSIONS` (brat is imported as a folder)."""
    patterns = " ".join(f"*{extension}" for extension in EXTENSIONS)
    return f"Articles and annotations ({patterns});;All files (*)"


def default_path(format_name: str, folder: Path, split: float | None = None) -> Path:
    """Where an export goes when no path is given: ``export.<ext>``, or a folder for formats
    written as one (and for a train/dev split)."""
    written = FORMATS[format_name]
    if written.folder or split is not None:
        return folder / f"export-{format_name}"
    return folder / f"export{written.extensions[0]}"


__all__ = ["EXTENSIONS", "FORMATS", "READABLE", "WRITABLE", "Format", "by_extension", "default_path", "dialog_filter"]

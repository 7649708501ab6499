"""Labelled datasets out: CSV and JSON for people, JSONL (Prodigy), spaCy DocBin, CoNLL and brat
for models and other tools. Each format's writer is in :mod:`annotator.formats` (one module
per format, a table of them); :func:`export` chooses the spans (:class:`Selection`), runs the
writer, and puts a file in place only when it is whole.

What goes out by default: accepted spans of people (annotators of kind human, import or gold);
``--include-suggestions`` adds undecided model suggestions, ``--include-rejected`` rejected
ones; ``--annotator`` names exactly whose spans; ``--gold`` takes the adjudicated set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.domain import Selection
from annotator.formats import FORMATS, WRITABLE, default_path
from annotator.formats.writing import ExportCancelled, ExportError, ExportReport, Progress
from annotator.store import Store


def make_exporter(format_name: str, **options: Any) -> Any:
    """The writer of ``format_name`` with these options; ExportError for a format not written."""
    written = FORMATS.get(format_name)
    if written is None or not written.writable:
        raise ExportError(f"unknown format {format_name!r} (one of {', '.join(WRITABLE)})")
    return written.writer(options)


def export(
    store: Store,
    format_name: str,
    out: Path,
    selection: Selection | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> ExportReport:
    """Write ``out`` in ``format_name``; raises ExportError when it cannot be made as asked.

    A file export is written to a temporary name and renamed at the end, so that a failed or
    cancelled export never leaves half a file under the name asked for.
    """
    selection = selection or Selection()
    exporter = make_exporter(format_name, **options)
    report = ExportReport(format_name)
    folder_output = FORMATS[format_name].folder or options.get("split") is not None
    if out.exists() and out.is_dir() != folder_output:
        kind = "a folder" if out.is_dir() else "a file"
        raise ExportError(
            f"{out} is {kind}; {format_name} writes {'a folder' if folder_output else 'a file'} there"
        )
    if folder_output:
        with store.snapshot():
            exporter.write(store, selection, out, report, progress)
        return report
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    exporter.target = out
    try:
        with store.snapshot():  # the project at one moment, while colleagues go on writing
            exporter.write(store, selection, partial, report, progress)
        extra = [p for p in report.paths if p != partial]
        partial.replace(out)
        report.paths = [out, *extra]
    finally:
        partial.unlink(missing_ok=True)
    return report


__all__ = ["ExportCancelled", "ExportError", "ExportReport", "default_path", "export", "make_exporter"]

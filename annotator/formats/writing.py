"""The writing side every format shares: what an export reports, the walk over the selected
documents (each with its spans, the links among them and its tokens), and the rules every
writer keeps (CSV cells that cannot run as formulas, one annotator for training formats, file
names from numbers)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any

from annotator.domain import PEOPLE, Document, Link, Selection, Span
from annotator.errors import AnnotatorError
from annotator.store import Store


class ExportError(AnnotatorError):
    """An export cannot be made as asked (nothing selected, ambiguous annotators, bad path)."""


class ExportCancelled(ExportError):
    """The person cancelled: a file export leaves nothing under the name asked for."""


@dataclass
class ExportReport:
    format: str
    paths: list[Path] = field(default_factory=list)
    documents: int = 0
    spans: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        where = ", ".join(str(p) for p in self.paths[:3]) + (" …" if len(self.paths) > 3 else "")
        text = f"Exported {self.spans} span(s) of {self.documents} document(s) as {self.format} to {where}"
        return text + (f" ({len(self.warnings)} warning(s))" if self.warnings else "")


Progress = Callable[[int, int], None]


#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvLines:
    """CSV lines exactly as :func:`csv.writer` writes them (minimal quoting, CRLF), made
    faster for the rows of a table export: a row whose cells hold nothing to quote (no comma,
    quote or line break) is joined directly, any other goes through the csv module. Cells are
    str or int, never None (:func:`csv_cell` makes the text ones)."""

    def __init__(self) -> None:
        self._written: list[str] = []
        self._writer = csv.writer(self)

    def write(self, line: str) -> None:  # the csv module's sink
        self._written.append(line)

    def part(self, cells: Sequence[Any]) -> str:
        """``cells`` as a piece of a line (no line end): joined with others by a comma."""
        line = ",".join(map(str, cells))
        if line.count(",") != len(cells) - 1 or '"' in line or "\n" in line or "\r" in line:
            self._writer.writerow(cells)
            line = self._written.pop()[:-2]
        return line


def csv_cell(value: Any, raw: bool = False) -> str:
    """The one CSV escaping rule: a cell a spreadsheet would run as a formula gets a leading
    apostrophe (OWASP's advice), unless ``raw`` for machine pipelines."""
    text = "" if value is None else str(value)
    if not raw and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def iter_documents(
    store: Store, selection: Selection
) -> Iterator[tuple[Document, list[Span], list[Link], tuple[list[int], list[int]] | None]]:
    """Each selected document (with its document labels, of the selection's annotators) with
    its selected spans, the links among them and its stored token boundaries, in id order: two streams merged by document id, so that memory stays
    that of one document whatever the size of the project."""
    grouped = groupby(store.selected_spans(selection), key=lambda span: span.document_id)
    pending = next(grouped, None)
    links_by_document = store.links_by_document()
    labels = store.all_document_labels(label_owners(store, selection))
    for document, tokens in store.selected_documents(selection):
        document.labels = labels.get(document.id, {})
        document_spans: list[Span] = []
        while pending is not None and pending[0] < document.id:
            pending = next(grouped, None)
        if pending is not None and pending[0] == document.id:
            document_spans = list(pending[1])
            pending = next(grouped, None)
        yield document, document_spans, links_among(document_spans, links_by_document.get(document.id, [])), tokens


def label_owners(store: Store, selection: Selection) -> list[str]:
    """Whose document labels an export takes: the selection's annotators, the gold set's, or
    every person's (a cheap lookup: no pass over the spans)."""
    if selection.annotators:
        return list(selection.annotators)
    kinds = {a["name"]: a["kind"] for a in store.annotators()}
    wanted = ("gold",) if selection.gold else PEOPLE
    return [name for name, kind in kinds.items() if kind in wanted]


def links_among(spans: list[Span], links: list[Link]) -> list[Link]:
    """The links whose two ends are among ``spans``: no export names a span it does not hold.
    An end on a suggestion that a decision of ``spans`` replaced is read as that decision (a
    project written before links followed accepted suggestions kept them on the suggestion)."""
    return links_among_ids(
        {span.id for span in spans},
        {span.suggestion_id: span.id for span in spans if span.suggestion_id is not None},
        links,
    )


def links_among_ids(ids: set[int], replaced: dict[int, int], links: list[Link]) -> list[Link]:
    """:func:`links_among` from the spans' ids and (suggestion id -> decision id)."""
    kept: list[Link] = []
    seen: set[tuple[int, int, str]] = set()
    for link in links:
        head = link.head_id if link.head_id in ids else replaced.get(link.head_id)
        tail = link.tail_id if link.tail_id in ids else replaced.get(link.tail_id)
        if head is None or tail is None or head == tail or (head, tail, link.label) in seen:
            continue
        seen.add((head, tail, link.label))
        kept.append(link if (head, tail) == (link.head_id, link.tail_id) else replace(link, head_id=head, tail_id=tail))
    return kept


def walk(
    store: Store, selection: Selection, report: ExportReport, progress: Progress | None
) -> Iterator[tuple[Document, list[Span], list[Link], tuple[list[int], list[int]] | None]]:
    """:func:`iter_documents` for a writer: counts each document in ``report`` and tells
    ``progress`` once the writer has handled it (a cancel raised there stops the export)."""
    total = store.count_selected_documents(selection)
    for index, item in enumerate(iter_documents(store, selection)):
        yield item
        report.documents += 1
        if progress is not None:
            progress(index + 1, total)


def check_single_annotator(store: Store, selection: Selection, format_name: str) -> None:
    """Training formats carry one set of entities: decisions of several people would clash.
    Checked over the whole selection before anything is written."""
    people = store.selected_annotators(selection)
    if len(people) > 1:
        raise ExportError(
            f"{format_name} holds one annotator's entities, and the selection has several "
            f"({', '.join(people)}): choose with --annotator NAME or --gold"
        )


def file_stem(document: Document) -> str:
    """A file name from the document's number here, never from its title or any text of the
    source: safe on every system, and nothing can climb out of the chosen folder."""
    return f"doc-{document.id:06d}"

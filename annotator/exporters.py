"""Labelled datasets out: CSV and JSON for people, JSONL (Prodigy), spaCy DocBin, CoNLL and brat
for models and other tools. One small class per format, each with an ``extension`` and one
``write``; :func:`export` chooses the spans (:class:`Selection`) and runs a writer.

What goes out by default: accepted spans of people (annotators of kind human, import or gold);
``--include-suggestions`` adds undecided model suggestions, ``--include-rejected`` rejected
ones; ``--annotator`` names exactly whose spans; ``--gold`` takes the adjudicated set.
"""

from __future__ import annotations

import csv
import gc
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any

from annotator.domain import ANALYSIS, ENTITIES, Document, Link, Selection, Span, simple_tokens
from annotator.errors import AnnotatorError
from annotator.schema import schema_to_dict
from annotator.store import Store

FORMATS = ("csv", "json", "jsonl", "spacy", "conll", "brat")
#: The key of this tool's own fields in a Prodigy-shaped JSONL line: Prodigy's own keys are
#: text, meta, tokens, spans, answer and _input_hash, _task_hash, _view_id, _session_id,
#: _annotator_id, _timestamp; none starts with "_annotator_tool".
EXTRAS_KEY = "_annotator_tool"
#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportError(AnnotatorError):
    """An export cannot be made as asked (nothing selected, ambiguous annotators, bad path)."""


class ExportCancelled(ExportError):
    """The person cancelled: a file export leaves nothing under the name asked for."""


def csv_cell(value: Any, raw: bool = False) -> str:
    """The one CSV escaping rule: a cell a spreadsheet would run as a formula gets a leading
    apostrophe (OWASP's advice), unless ``raw`` for machine pipelines."""
    text = "" if value is None else str(value)
    if not raw and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


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


# -- reading what goes out ----------------------------------------------------------------------


def iter_documents(
    store: Store, selection: Selection
) -> Iterator[tuple[Document, list[Span], list[Link], tuple[list[int], list[int]] | None]]:
    """Each selected document with its selected spans, the links among them and its stored
    token boundaries, in id order: two streams merged by document id, so that memory stays
    that of one document whatever the size of the project."""
    grouped = groupby(store.selected_spans(selection), key=lambda span: span.document_id)
    pending = next(grouped, None)
    links_by_document = store.links_by_document()
    for document, tokens in store.selected_documents(selection):
        document_spans: list[Span] = []
        while pending is not None and pending[0] < document.id:
            pending = next(grouped, None)
        if pending is not None and pending[0] == document.id:
            document_spans = list(pending[1])
            pending = next(grouped, None)
        yield document, document_spans, links_among(document_spans, links_by_document.get(document.id, [])), tokens


def links_among(spans: list[Span], links: list[Link]) -> list[Link]:
    """The links whose two ends are among ``spans``: no export names a span it does not hold.
    An end on a suggestion that a decision of ``spans`` replaced is read as that decision (a
    project written before links followed accepted suggestions kept them on the suggestion)."""
    return _links_among(
        {span.id for span in spans},
        {span.suggestion_id: span.id for span in spans if span.suggestion_id is not None},
        links,
    )


def _links_among(ids: set[int], replaced: dict[int, int], links: list[Link]) -> list[Link]:
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


def _walk(
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


def _file_stem(document: Document) -> str:
    """A file name from the document's number here, never from its title or any text of the
    source: safe on every system, and nothing can climb out of the chosen folder."""
    return f"doc-{document.id:06d}"


# -- writers ------------------------------------------------------------------------------------


class CsvExporter:
    """One row per span; ``documents`` also writes ``<name>.documents.csv``, one row per document."""

    extension = ".csv"
    COLUMNS = (
        "document_id",
        "title",
        "text_sha256",
        "annotator",
        "layer",
        "label",
        "start",
        "end",
        "text",
        "attributes",
        "links",
        "origin",
        "status",
        "note",
        "created_at",
        "updated_at",
    )

    def __init__(self, excel: bool = False, raw: bool = False, documents: bool = False) -> None:
        self.encoding = "utf-8-sig" if excel else "utf-8"
        self.raw = raw
        self.documents = documents

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        raw = self.raw
        links_by_document = store.links_by_document()
        documents = store.selected_document_texts(selection)
        with open(out, "w", encoding=self.encoding, newline="") as f:
            writer = csv.writer(f)
            writer.writerow(self.COLUMNS)
            # rows straight from SQL, the span's text sliced here once per document (substr in
            # SQL re-read a long text for every span); the document stream follows the spans'
            for document_id, group in groupby(store.selected_span_rows(selection), key=lambda row: row[1]):
                rows = list(group)
                document = next(documents)
                while document[0] != document_id:
                    document = next(documents)
                _id, title, sha256, text = document
                report.documents += 1
                by_id = {row[0]: row for row in rows}
                links = _links_among(
                    set(by_id), {row[13]: row[0] for row in rows if row[13] is not None},
                    links_by_document.get(document_id, []),
                )
                outgoing: dict[int, list[dict[str, Any]]] = {}
                for link in links:
                    tail = by_id[link.tail_id]
                    outgoing.setdefault(link.head_id, []).append(
                        {
                            "label": link.label,
                            "tail_start": tail[5],
                            "tail_end": tail[6],
                            "tail_label": tail[4],
                            "tail_text": text[tail[5] : tail[6]],
                        }
                    )
                title_cell, annotators = csv_cell(title, raw), {}
                for row in rows:
                    span_id, _d, annotator, layer, label, start, end, attributes = row[:8]
                    name = annotators.get(annotator)
                    if name is None:
                        name = annotators[annotator] = csv_cell(annotator, raw)
                    writer.writerow(
                        (
                            document_id,
                            title_cell,
                            sha256,
                            name,
                            layer,
                            csv_cell(label, raw),  # a label a file brought may start with "-"
                            start,
                            end,
                            csv_cell(text[start:end], raw),
                            csv_cell(attributes, raw),
                            json.dumps(outgoing[span_id], ensure_ascii=False) if span_id in outgoing else "[]",
                            row[8],
                            row[9],
                            csv_cell(row[10], raw),
                            row[11],
                            row[12],
                        )
                    )
                report.spans += len(rows)
        report.paths.append(out)
        if self.documents:
            target = getattr(self, "target", out)
            path = target.with_name(target.stem + ".documents.csv")
            with open(path, "w", encoding=self.encoding, newline="") as f:
                writer = csv.writer(f)
                writer.writerow(store.DOCUMENT_TABLE_COLUMNS)
                for row in store.document_table(selection):
                    writer.writerow([csv_cell(cell, raw) if isinstance(cell, str) else cell for cell in row])
            report.paths.append(path)


def portable_id(document: Document) -> str:
    """The document's id in files meant to be read back: its own id from the source it came
    from, else its number here. Stable across export -> import -> export."""
    return document.external_id or str(document.id)


def _portable(
    document: Document, spans: list[Span], links: list[Link], kinds: dict[str, str] | None = None
) -> dict[str, Any]:
    """A document as JSON and JSONL carry it. Span ids are local to the document (1, 2, ...) and
    links refer to them, so that the same content always gives the same bytes. ``kinds``:
    annotator name -> kind (human, model, gold...), for the annotators of these spans."""
    local = {span.id: number for number, span in enumerate(spans, 1)}
    names = sorted({span.annotator for span in spans} | {link.annotator for link in links})
    return {
        "id": portable_id(document),
        "title": document.title,
        "text": document.text,
        "sha256": document.sha256,
        "lang": document.lang,
        "source": document.source,
        "url": document.url,
        "published": document.published,
        "meta": document.meta,
        "status": document.status,
        "tags": document.tags,
        "note": document.note,
        "spans": [
            {
                "id": local[span.id],
                "start": span.start,
                "end": span.end,
                "label": span.label,
                "layer": span.layer,
                "annotator": span.annotator,
                "origin": span.origin,
                "status": span.status,
                "attributes": span.attributes,
                "note": span.note,
            }
            for span in spans
        ],
        "links": [
            {
                "head": local[link.head_id],
                "tail": local[link.tail_id],
                "label": link.label,
                "annotator": link.annotator,
            }
            for link in links
        ],
        "annotators": {name: (kinds or {}).get(name, "human") for name in names},
    }


class JsonExporter:
    """One file: the schema and every document with its spans and links, indented, UTF-8."""

    extension = ".json"

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        kinds = {a["name"]: a["kind"] for a in store.annotators()}
        with open(out, "w", encoding="utf-8") as f:
            f.write('{\n  "schema": ')
            f.write(_indent(json.dumps(schema_to_dict(store.schema), indent=2, ensure_ascii=False), 2))
            f.write(',\n  "documents": [')
            for document, spans, links, _tokens in _walk(store, selection, report, progress):
                entry = _portable(document, spans, links, kinds)
                f.write(
                    ("," if report.documents else "")
                    + "\n    "
                    + _indent(json.dumps(entry, indent=2, ensure_ascii=False), 4)
                )
                report.spans += len(spans)
            f.write("\n  ]\n}\n")
        report.paths.append(out)


def _indent(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


def prodigy_tokens(text: str, starts: list[int], ends: list[int]) -> list[dict[str, Any]]:
    return [
        {
            "text": text[start:end],
            "start": start,
            "end": end,
            "id": index,
            "ws": end < len(text) and text[end].isspace(),
        }
        for index, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]


class JsonlExporter:
    """Prodigy's shape, one document a line: text, meta, tokens, the entity spans (with token
    indices, end inclusive as Prodigy has it) and answer; everything else of this tool under
    ``_annotator_tool`` (all spans with their layer, annotator, status, attributes; links)."""

    extension = ".jsonl"

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        import bisect

        kinds = {a["name"]: a["kind"] for a in store.annotators()}
        with open(out, "w", encoding="utf-8") as f:
            for document, spans, links, tokens in _walk(store, selection, report, progress):
                starts, ends = tokens or simple_tokens(document.text)
                entity_spans = []
                for span in spans:
                    if span.layer != ENTITIES:
                        continue
                    entry = {"start": span.start, "end": span.end, "label": span.label}
                    token_start = bisect.bisect_right(ends, span.start)
                    token_end = bisect.bisect_left(starts, span.end) - 1
                    if token_start <= token_end:
                        entry |= {"token_start": token_start, "token_end": token_end}
                    entity_spans.append(entry)
                extras = _portable(document, spans, links, kinds)
                del extras["text"]
                record = {
                    "text": document.text,
                    "meta": {"title": document.title, "id": portable_id(document), **document.meta},
                    "tokens": prodigy_tokens(document.text, starts, ends),
                    "spans": entity_spans,
                    "answer": "accept",
                    EXTRAS_KEY: extras,
                }
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                report.spans += len(spans)
        report.paths.append(out)


def _blank(lang: str, cache: dict[str, Any]) -> Any:
    import spacy

    nlp = cache.get(lang)
    if nlp is None:
        try:
            nlp = spacy.blank(lang or "xx")
        except Exception:  # an unknown language code: the multi-language tokenizer
            nlp = spacy.blank("xx")
        nlp.add_pipe("sentencizer")
        cache[lang] = nlp
    return nlp


def doc_from_tokens(vocab: Any, text: str, starts: list[int], ends: list[int]) -> Any:
    """A spaCy Doc whose tokens are the stored ones (those the analyst annotated on), its
    text exactly ``text``: what lies between two tokens is a space after the first, or a
    whitespace token of its own (as spaCy's tokenizer makes them)."""
    from spacy.tokens import Doc

    words: list[str] = []
    spaces: list[bool] = []
    position = 0

    def gap(until: int) -> None:
        between = text[position:until]
        if not between:
            return
        if words and between[0] == " " and not spaces[-1]:
            spaces[-1] = True
            between = between[1:]
        if between:
            words.append(between)
            spaces.append(False)

    for start, end in zip(starts, ends, strict=True):
        if start < position or end <= start:
            continue  # not a boundary this text can have: left to the gap around it
        gap(start)
        words.append(text[start:end])
        spaces.append(False)
        position = end
    gap(len(text))
    return Doc(vocab, words=words, spaces=spaces)


def keep_spans_whole(doc: Any, spans: Iterable[Any]) -> None:
    """No sentence starts inside a span (CoNLL-2002 writes names such as "Z . S.A.", where a
    sentencizer breaks): a break inside moves to the span's end. The rule for every format
    that writes sentences (CoNLL's blank lines, the DocBin's sentence starts)."""
    for span in spans:
        for index in range(span.start + 1, span.end):
            doc[index].is_sent_start = False


def _spacy_doc(
    document: Document,
    spans: list[Span],
    span_key: str,
    cache: dict[str, Any],
    report: ExportReport,
    tokens: tuple[list[int], list[int]] | None = None,
) -> Any:
    """A spaCy Doc: entities as ``doc.ents``, analysis spans in ``doc.spans[span_key]``,
    what else the tool knows in ``doc.user_data``. Its tokens are the stored ones when the
    document has them (those its spans were snapped to), else a blank pipeline's; sentences
    from spaCy's sentencizer, never breaking inside an entity."""
    from spacy.tokens import Span as SpacySpan

    nlp = _blank(document.lang, cache)
    if tokens is not None:
        doc = doc_from_tokens(nlp.vocab, document.text, *tokens)
    else:
        # a blank pipeline only tokenises: any length is fine (spaCy refuses over max_length)
        nlp.max_length = max(nlp.max_length, len(document.text) + 1)
        doc = nlp.make_doc(document.text)
    doc = nlp.get_pipe("sentencizer")(doc)
    entities, analysis = [], []
    for span in spans:
        char_span = doc.char_span(span.start, span.end, label=span.label, alignment_mode="strict")
        if char_span is None:
            char_span = doc.char_span(span.start, span.end, label=span.label, alignment_mode="expand")
            report.warnings.append(
                f"document {document.id}: span {span.start}-{span.end} {span.label} widened to tokens "
                f"{char_span.start_char}-{char_span.end_char}"
                if char_span is not None
                else f"document {document.id}: span {span.start}-{span.end} {span.label} matches no token, left out"
            )
        if char_span is None:
            continue
        (analysis if span.layer == ANALYSIS else entities).append(char_span)
    doc.ents = sorted(set(entities), key=lambda s: s.start)
    keep_spans_whole(doc, doc.ents)
    doc.spans[span_key] = [SpacySpan(doc, s.start, s.end, label=s.label) for s in analysis]
    portable = _portable(document, spans, [])
    del portable["text"]
    doc.user_data["annotator"] = portable
    return doc


#: What a DocBin keeps of each token: what the export sets (words, entities, sentence starts).
#: spaCy's default keeps thirteen arrays of which the others stay empty here, and serialising
#: copies them four times: 684 MB at the peak for the CoNLL-2002 corpus four times over.
DOCBIN_ATTRS = ["ORTH", "ENT_IOB", "ENT_TYPE", "SENT_START"]


def docbin_bytes(doc_bin: Any) -> bytes:
    """The bytes of ``DocBin.to_bytes()``, the same bytes, with fewer copies of the token
    arrays (joined once, then let go, where spaCy stacks, copies and keeps them): the DocBin is
    emptied. spaCy's own reader reads them (tested against ``to_bytes``)."""
    import zlib

    import numpy
    import srsly

    lengths = [len(tokens) for tokens in doc_bin.tokens]
    tokens = b"".join(array.tobytes("C") for array in doc_bin.tokens)
    doc_bin.tokens = []
    spaces = b"".join(array.tobytes("C") for array in doc_bin.spaces)
    doc_bin.spaces = []
    message = {
        "version": doc_bin.version,
        "attrs": doc_bin.attrs,
        "tokens": tokens,
        "spaces": spaces,
        "lengths": numpy.asarray(lengths, dtype="int32").tobytes("C"),
        "strings": sorted(doc_bin.strings),
        "cats": doc_bin.cats,
        "flags": doc_bin.flags,
        "span_groups": doc_bin.span_groups,
    }
    if doc_bin.store_user_data:
        message["user_data"] = doc_bin.user_data
    del tokens, spaces
    packed = srsly.msgpack_dumps(message)
    message.clear()
    return zlib.compress(packed)


class SpacyExporter:
    """spaCy's DocBin (.spacy); with ``split``, ``train.spacy`` and ``dev.spacy`` in a folder,
    documents shuffled with a fixed seed."""

    extension = ".spacy"

    def __init__(self, span_key: str = "sc", split: float | None = None, seed: int = 0) -> None:
        self.span_key = span_key
        self.split = split
        self.seed = seed

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        from spacy.tokens import DocBin

        check_single_annotator(store, selection, "A spaCy DocBin")
        cache: dict[str, Any] = {}
        # Each Doc goes into its DocBin as soon as it is made (a DocBin keeps a few arrays per
        # document, not the Doc): memory stays that of the arrays, not of every Doc at once.
        def new_bin() -> Any:
            return DocBin(attrs=DOCBIN_ATTRS, store_user_data=True)

        if self.split is None:
            bins = [new_bin()]
            part_of = None
        else:
            total = store.count_selected_documents(selection)
            order = list(range(total))
            random.Random(self.seed).shuffle(order)  # a fixed split, whatever the machine
            cut = max(1, min(total - 1, round(total * self.split))) if total > 1 else total
            train = set(order[:cut])
            bins = [new_bin(), new_bin()]
            part_of = [0 if index in train else 1 for index in range(total)]
        for index, (document, spans, _links, tokens) in enumerate(_walk(store, selection, report, progress)):
            doc = _spacy_doc(document, spans, self.span_key, cache, report, tokens)
            bins[0 if part_of is None else part_of[index]].add(doc)
            report.spans += len(spans)
        # the pipeline and its vocabulary go before the DocBins are serialised: the peak is
        # the larger of the two, not their sum
        cache.clear()
        gc.collect()
        if part_of is None:
            out.write_bytes(docbin_bytes(bins.pop()))
            report.paths.append(out)
            return
        out.mkdir(parents=True, exist_ok=True)
        for name in ("train.spacy", "dev.spacy"):
            (out / name).write_bytes(docbin_bytes(bins.pop(0)))
            report.paths.append(out / name)


class ConllExporter:
    """The entity layer as IOB2: a token and its tag per line, a blank line between sentences,
    ``-DOCSTART- -X- O O`` before each document (the delimiter spaCy's converter and conlleval
    readers know)."""

    extension = ".conll"

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        check_single_annotator(store, selection, "CoNLL")
        cache: dict[str, Any] = {}
        with open(out, "w", encoding="utf-8") as f:
            for document, spans, _links, tokens in _walk(store, selection, report, progress):
                entities = [span for span in spans if span.layer == ENTITIES]
                doc = _spacy_doc(document, entities, "sc", cache, report, tokens)
                inside = {index for ent in doc.ents for index in range(ent.start + 1, ent.end)}
                f.write("-DOCSTART- -X- O O\n\n")
                lines: list[str] = []
                for token in doc:
                    # a sentence ends where spaCy's sentencizer says, and at every line break,
                    # never inside an entity (IOB2 readers would cut it in two)
                    line_break = token.is_space and "\n" in token.text and token.i not in inside
                    if lines and (token.is_sent_start or line_break):
                        f.write("".join(lines) + "\n")
                        lines = []
                    if token.is_space:
                        continue
                    tag = "O" if token.ent_iob_ in ("O", "") else f"{token.ent_iob_}-{token.ent_type_}"
                    lines.append(f"{token.text} {tag}\n")
                if lines:
                    f.write("".join(lines) + "\n")
                report.spans += len(entities)
        report.paths.append(out)


def brat_value(value: str) -> str:
    """brat attribute values are single words: spaces become underscores."""
    return re.sub(r"\s+", "_", value.strip())


class BratExporter:
    """A folder: ``<id>.txt`` and ``<id>.ann`` per document (T spans, A attributes, R links,
    # AnnotatorNotes for notes and free-text attributes) and a generated ``annotation.conf``."""

    extension = ""

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        check_single_annotator(store, selection, "brat")
        out.mkdir(parents=True, exist_ok=True)
        schema = store.schema
        for document, spans, links, _tokens in _walk(store, selection, report, progress):
            stem = _file_stem(document)
            (out / f"{stem}.txt").write_text(document.text, encoding="utf-8", newline="")
            lines, t_of, counters = [], {}, {"A": 0, "#": 0}
            for number, span in enumerate(spans, 1):
                t_of[span.id] = f"T{number}"
                fragments = ";".join(
                    f"{s} {e}" for s, e in _brat_fragments(document.text, span.start, span.end)
                )
                shown = " ".join(document.text[span.start : span.end].split())
                lines.append(f"T{number}\t{span.label} {fragments}\t{shown}")
                label = schema.labels.get(span.label)
                listed = {a.name for a in label.attributes if a.values} if label else set()
                for name, value in span.attributes.items():
                    if name in listed:
                        counters["A"] += 1
                        lines.append(f"A{counters['A']}\t{name} T{number} {brat_value(str(value))}")
                    else:
                        counters["#"] += 1
                        lines.append(f"#{counters['#']}\tAnnotatorNotes T{number}\t{name}: {value}")
                if span.note:
                    counters["#"] += 1
                    lines.append(f"#{counters['#']}\tAnnotatorNotes T{number}\t{' '.join(span.note.split())}")
            for number, link in enumerate(links, 1):
                lines.append(f"R{number}\t{link.label} Arg1:{t_of[link.head_id]} Arg2:{t_of[link.tail_id]}")
            (out / f"{stem}.ann").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            report.paths.append(out / f"{stem}.ann")
            report.spans += len(spans)
        (out / "annotation.conf").write_text(brat_conf(store), encoding="utf-8")
        report.paths.append(out / "annotation.conf")


def _brat_fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """brat spans hold no line break: a span across lines becomes fragments, one per line."""
    fragments = []
    for match in re.finditer(r"[^\r\n]+", text[start:end]):
        fragments.append((start + match.start(), start + match.end()))
    return fragments or [(start, end)]


def brat_conf(store: Store) -> str:
    schema = store.schema
    lines = ["[entities]"]
    lines += [label.name for label in schema.labels.values()]
    lines += ["", "[relations]"]
    for link in schema.link_labels.values():
        heads = "|".join(link.heads) or "<ENTITY>"
        tails = "|".join(link.tails) or "<ENTITY>"
        lines.append(f"{link.name}\tArg1:{heads}, Arg2:{tails}")
    lines += ["<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>", "", "[events]", "", "[attributes]"]
    for label in schema.labels.values():
        for attribute in label.attributes:
            if attribute.values:
                values = "|".join(brat_value(v) for v in attribute.values)
                lines.append(f"{attribute.name}\tArg:{label.name}, Value:{values}")
    return "\n".join(lines) + "\n"


def make_exporter(format_name: str, **options: Any) -> Any:
    if format_name == "csv":
        return CsvExporter(
            options.get("excel", False), options.get("raw", False), options.get("documents", False)
        )
    if format_name == "json":
        return JsonExporter()
    if format_name == "jsonl":
        return JsonlExporter()
    if format_name == "spacy":
        return SpacyExporter(options.get("span_key", "sc"), options.get("split"))
    if format_name == "conll":
        return ConllExporter()
    if format_name == "brat":
        return BratExporter()
    raise ExportError(f"unknown format {format_name!r} (one of {', '.join(FORMATS)})")


def default_path(format_name: str, folder: Path, split: float | None = None) -> Path:
    exporter_extension = {
        "csv": ".csv",
        "json": ".json",
        "jsonl": ".jsonl",
        "spacy": ".spacy",
        "conll": ".conll",
        "brat": "",
    }[format_name]
    if format_name == "brat" or split is not None:
        return folder / f"export-{format_name}"
    return folder / f"export{exporter_extension}"


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
    folder_output = format_name == "brat" or options.get("split") is not None
    if out.exists() and out.is_dir() != folder_output:
        kind = "a folder" if out.is_dir() else "a file"
        raise ExportError(
            f"{out} is {kind}; {format_name} writes {'a folder' if folder_output else 'a file'} there"
        )
    if folder_output:
        exporter.write(store, selection, out, report, progress)
        return report
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    exporter.target = out
    try:
        exporter.write(store, selection, partial, report, progress)
        extra = [p for p in report.paths if p != partial]
        partial.replace(out)
        report.paths = [out, *extra]
    finally:
        partial.unlink(missing_ok=True)
    return report

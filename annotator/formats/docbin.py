"""spaCy's DocBin (``.spacy``): entities as ``doc.ents``, analysis spans in a span group, this
tool's own fields in ``user_data``; the Docs built on the stored tokens."""

from __future__ import annotations

import gc
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from annotator.domain import ANALYSIS, Document, Selection, Span
from annotator.formats.portable import portable_document, record_from_portable
from annotator.formats.reading import LineError, ReadResult, Record, check_text, title_from_text
from annotator.formats.writing import ExportReport, Progress, check_single_annotator, walk
from annotator.store import Store


def read(path: Path) -> ReadResult:
    """A spaCy DocBin: ``doc.ents`` and every span group; this tool's own fields from user_data."""
    import spacy
    from spacy.tokens import DocBin

    try:
        docs = list(DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab))
    except Exception as e:  # a damaged or foreign file
        yield None, LineError(f"not a spaCy DocBin ({type(e).__name__}: {e})")
        return
    for number, doc in enumerate(docs, 1):
        portable = doc.user_data.get("annotator") if isinstance(doc.user_data, dict) else None
        try:
            if isinstance(portable, dict):
                yield None, record_from_portable({**portable, "text": doc.text})
                continue
            spans = [(e.start_char, e.end_char, e.label_, {}) for e in doc.ents]
            for group in doc.spans.values():
                spans += [(s.start_char, s.end_char, s.label_, {}) for s in group]
            text = check_text(doc.text)
            yield (
                None,
                Record(
                    text=text,
                    title=title_from_text(text),
                    external_id=f"{path.stem}-{number}",
                    source=path.name,
                    spans=spans,
                ),
            )
        except LineError as e:
            yield None, LineError(f"document {number}: {e}")


def blank_pipeline(lang: str, cache: dict[str, Any]) -> Any:
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


def spacy_doc(
    document: Document,
    spans: list[Span],
    span_key: str,
    cache: dict[str, Any],
    report: ExportReport,
    tokens: tuple[list[int], list[int]] | None = None,
    schema_labels: dict[str, Any] | None = None,
) -> Any:
    """A spaCy Doc: entities as ``doc.ents``, analysis spans in ``doc.spans[span_key]``,
    what else the tool knows in ``doc.user_data``. Its tokens are the stored ones when the
    document has them (those its spans were snapped to), else a blank pipeline's; sentences
    from spaCy's sentencizer, never breaking inside an entity."""
    from spacy.tokens import Span as SpacySpan

    nlp = blank_pipeline(document.lang, cache)
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
    portable = portable_document(document, spans, [])
    del portable["text"]
    doc.user_data["annotator"] = portable
    doc.cats.update(document_cats(document, schema_labels))
    return doc


def document_cats(document: Document, labels: dict[str, Any] | None) -> dict[str, float]:
    """spaCy's ``doc.cats`` from a document's labels (one annotator's: a DocBin holds one
    set): ``stance:critical`` 1.0, the label's other values 0.0, for textcat to learn."""
    if not document.labels or not labels:
        return {}
    given = next(iter(document.labels.values()), {})
    cats = {}
    for name, value in given.items():
        definition = labels.get(name)
        if definition is None:
            continue
        chosen = set(value) if isinstance(value, list) else {value}
        cats.update({f"{name}:{option}": float(option in chosen) for option in definition.values})
    return cats


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
        for index, (document, spans, _links, tokens) in enumerate(walk(store, selection, report, progress)):
            doc = spacy_doc(document, spans, self.span_key, cache, report, tokens, store.schema.document_labels)
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


def writer(options: dict[str, Any]) -> Any:
    """This format's writer with an export's options."""
    return SpacyExporter(options.get("span_key", "sc"), options.get("split"))

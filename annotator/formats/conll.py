"""CoNLL IOB (``.conll``, ``.conll2002``, ``.iob``, ``.bio``): a token and its tag a line, a blank
line between sentences, ``-DOCSTART-`` between documents (IOB2 written, IOB1 or IOB2 read)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from annotator.domain import ENTITIES, Selection
from annotator.formats.docbin import spacy_doc
from annotator.formats.reading import (
    LineError,
    ReadResult,
    Record,
    check_text,
    decode,
    read_bytes,
    title_from_text,
)
from annotator.formats.writing import ExportReport, Progress, check_single_annotator, walk
from annotator.store import Store


def read(path: Path) -> ReadResult:
    """IOB (IOB2, or IOB1) token-per-line files: the token in the first column, the tag in the
    last; a blank line ends a sentence and ``-DOCSTART-`` a document. The text is rebuilt with
    one space between tokens and a line break between sentences."""
    content = decode(read_bytes(path), str(path))
    # a document is opened by -DOCSTART- (kept even when empty) or by a first token
    documents: list[list[list[tuple[str, str, int]]]] = []
    sentence: list[tuple[str, str, int]] = []
    for number, line in enumerate(content.splitlines(), 1):
        columns = line.split()
        if not columns or columns[0] == "-DOCSTART-":
            if sentence:
                documents[-1].append(sentence)
                sentence = []
            if columns:
                documents.append([])
            continue
        tag = columns[-1] if len(columns) > 1 else "O"
        if tag != "O" and not re.fullmatch(r"[BI]-\S+", tag):
            yield number, LineError(f"tag {tag!r} is not O, B-LABEL or I-LABEL")
            return
        if not documents:
            documents.append([])
        sentence.append((columns[0], tag, number))
    if sentence:
        documents[-1].append(sentence)
    for index, sentences in enumerate(documents):
        parts, spans, position = [], [], 0
        current: list[int] | None = None
        for sentence_index, tokens in enumerate(sentences):
            if sentence_index:
                parts.append("\n")
                position += 1
            for token_index, (token, tag, _line) in enumerate(tokens):
                if token_index:
                    parts.append(" ")
                    position += 1
                start, end = position, position + len(token)
                parts.append(token)
                position = end
                kind, _, label = tag.partition("-")
                if tag == "O":
                    current = None
                elif kind == "I" and current is not None and spans[current][2] == label:
                    spans[current] = (spans[current][0], end, label, {})
                else:
                    spans.append((start, end, label, {}))
                    current = len(spans) - 1
            current = None
        text = "".join(parts)
        try:
            check_text(text)
        except LineError as e:
            yield None, LineError(f"document {index + 1}: {e}")
            continue
        yield (
            None,
            Record(
                text=text,
                title=title_from_text(text, 80),
                external_id=f"{path.stem}-{index + 1}",
                source=path.name,
                spans=spans,
            ),
        )


class ConllExporter:
    """The entity layer as IOB2: a token and its tag per line, a blank line between sentences,
    ``-DOCSTART- -X- O O`` before each document (the delimiter spaCy's converter and conlleval
    readers know)."""

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
            for document, spans, _links, tokens in walk(store, selection, report, progress):
                entities = [span for span in spans if span.layer == ENTITIES]
                doc = spacy_doc(document, entities, "sc", cache, report, tokens)
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


def writer(options: dict[str, Any]) -> Any:
    """This format's writer with an export's options."""
    return ConllExporter()

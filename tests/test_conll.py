"""CoNLL (and DocBin sentences) read back by other tools' own readers: spaCy's converter and a
conlleval-style strict IOB2 reader. A sentence break may never cut an entity in two."""

import pytest

from annotator.domain import Selection
from annotator.exporting import export
from annotator.importing import import_paths
from annotator.store import Store

# Tokenised as CoNLL-2002 is (single spaces): names holding " . " followed by a capital, where
# a sentencizer breaks.
TEXT = (
    "La empresa Telefónica . S.A. anunció ayer su plan . "
    "El Ministerio de Fomento . Obras Públicas lo apoya . "
    "Kim Jong-un llegó a Pionyang ."
)
ENTITIES = [
    ("Telefónica . S.A.", "ORG"),
    ("Ministerio de Fomento . Obras Públicas", "ORG"),
    ("Kim Jong-un", "PER"),
    ("Pionyang", "LOC"),
]


def offsets(text, entities):
    found, position = [], 0
    for words, label in entities:
        start = text.index(words, position)
        found.append((start, start + len(words), label))
        position = start + len(words)
    return found


def strict_iob2(content):
    """A conlleval-style reader: documents of sentences of (token, tag); an I-X that does not
    continue a B-X or I-X of the same sentence is an error, as conlleval counts it. Returns
    per document the tokens and the entities as (first token, last token + 1, label)."""
    documents, tokens, entities, open_entity, previous = [], [], [], None, "O"
    for number, line in enumerate(content.splitlines(), 1):
        columns = line.split()
        if columns and columns[0] == "-DOCSTART-":
            if tokens:
                documents.append((tokens, entities))
            tokens, entities, open_entity, previous = [], [], None, "O"
            continue
        if not columns:  # a sentence ends: an entity cannot go on past it
            open_entity, previous = None, "O"
            continue
        token, tag = columns[0], columns[-1]
        if tag.startswith("I-"):
            if previous[2:] != tag[2:] or previous == "O":
                raise AssertionError(f"line {number}: {tag} does not continue an entity ({line!r})")
            open_entity[1] = len(tokens) + 1
        elif tag.startswith("B-"):
            open_entity = [len(tokens), len(tokens) + 1, tag[2:]]
            entities.append(open_entity)
        elif tag != "O":
            raise AssertionError(f"line {number}: {tag!r} is not an IOB2 tag")
        tokens.append(token)
        previous = tag
    if tokens:
        documents.append((tokens, entities))
    return [(words, [tuple(e) for e in found]) for words, found in documents]


def char_entities(words, entities):
    """Token entities as character offsets in the words joined by single spaces."""
    starts, position = [], 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    return [(starts[s], starts[e - 1] + len(words[e - 1]), label) for s, e, label in entities]


@pytest.fixture
def project(tmp_path):
    with Store(tmp_path / "p.db") as store:
        document_id, _ = store.add_document(TEXT, "Nombres con punto", lang="es")
        for start, end, label in offsets(TEXT, ENTITIES):
            store.add_span(document_id, start, end, label, "ana")
        yield store


def test_conll_never_breaks_a_sentence_inside_an_entity(project, tmp_path):
    out = tmp_path / "out.conll"
    export(project, "conll", out, Selection())
    content = out.read_text(encoding="utf-8")
    ((words, entities),) = strict_iob2(content)
    assert " ".join(words) == TEXT
    assert char_entities(words, entities) == offsets(TEXT, ENTITIES)
    # the break the sentencizer wanted inside "Telefónica . S.A." moved to the name's end
    assert "S.A. I-ORG\nanunció O" in content or "S.A. I-ORG\n\nanunció O" in content


def test_spacy_reads_the_conll_export_back_exactly(project, tmp_path):
    from spacy.training.converters import conll_ner_to_docs

    out = tmp_path / "out.conll"
    export(project, "conll", out, Selection())
    (doc,) = list(conll_ner_to_docs(out.read_text(encoding="utf-8"), n_sents=0, no_print=True))
    assert doc.text.strip() == TEXT
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == offsets(TEXT, ENTITIES)
    # and `spacy convert`, as a person would run it, gives the same entities
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "spacy", "convert", str(out), str(tmp_path), "-c", "ner", "-n", "0"],
        check=True,
        capture_output=True,
    )
    import spacy
    from spacy.tokens import DocBin

    (converted,) = DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("xx").vocab)
    assert [(e.start_char, e.end_char, e.label_) for e in converted.ents] == offsets(TEXT, ENTITIES)


def test_docbin_sentence_starts_never_fall_inside_an_entity(project, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    out = tmp_path / "out.spacy"
    export(project, "spacy", out, Selection())
    (doc,) = DocBin().from_disk(out).get_docs(spacy.blank("es").vocab)
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == offsets(TEXT, ENTITIES)
    assert doc.has_annotation("SENT_START")
    for entity in doc.ents:
        assert not any(token.is_sent_start for token in entity[1:]), entity.text
    assert len(list(doc.sents)) >= 3  # the other sentence breaks are kept


def test_conll_uses_the_stored_tokens_the_analyst_annotated_on(tmp_path):
    text = "Lo dijo KCNA-Yonhap ayer."
    with Store(tmp_path / "t.db") as store:
        document_id, _ = store.add_document(text, "Tokens", lang="es")
        # the pre-annotation's tokens cut "KCNA-Yonhap" in three; a blank tokenizer does not
        words = ["Lo", "dijo", "KCNA", "-", "Yonhap", "ayer", "."]
        starts, position = [], 0
        for word in words:
            position = text.index(word, position)
            starts.append(position)
            position += len(word)
        store.set_tokens(document_id, starts, [s + len(w) for s, w in zip(starts, words, strict=True)], "spacy")
        store.add_span(document_id, 8, 12, "ORG", "ana")
        store.add_span(document_id, 13, 19, "ORG", "ana")
        out = tmp_path / "t.conll"
        report = export(store, "conll", out, Selection())
    assert report.warnings == []  # nothing widened or re-cut
    ((tokens, entities),) = strict_iob2(out.read_text(encoding="utf-8"))
    assert tokens == words
    assert [(tokens[s], label) for s, _e, label in entities] == [("KCNA", "ORG"), ("Yonhap", "ORG")]


@pytest.mark.slow
def test_conll_and_spacy_export_an_article_over_a_million_characters(tmp_path):
    sentence = "El ministro Kim Jong-un habló en Pionyang . "
    text = sentence * (1_000_100 // len(sentence) + 1)
    assert len(text) > 1_000_000
    with Store(tmp_path / "big.db") as store:
        document_id, _ = store.add_document(text, "Largo", lang="es")
        last = text.rindex("Pionyang")
        store.add_span(document_id, last, last + len("Pionyang"), "LOC", "ana")
        conll = export(store, "conll", tmp_path / "big.conll", Selection())
        spacy_report = export(store, "spacy", tmp_path / "big.spacy", Selection())
    assert conll.spans == 1 and spacy_report.spans == 1
    ((_tokens, entities),) = strict_iob2((tmp_path / "big.conll").read_text(encoding="utf-8"))
    assert [label for *_range, label in entities] == ["LOC"]


@pytest.mark.slow
def test_real_corpus_conll_export_is_valid_iob2_with_every_entity(shared_data, tmp_path):
    source = shared_data / "conll2002" / "esp.train.articles.jsonl"
    with Store(tmp_path / "corpus.db") as store:
        import_paths(store, [source])
        out = tmp_path / "corpus.conll"
        export(store, "conll", out, Selection(annotators=("import",)))
        expected = [
            [
                ("".join(store.document(d).text[s.start : s.end].split()), s.label)
                for s in store.spans(d, annotator="import")
            ]
            for d in store.document_ids()
        ]
    documents = strict_iob2(out.read_text(encoding="utf-8"))  # raises on any broken entity
    read = [[("".join(words[s:e]), label) for s, e, label in found] for words, found in documents]
    assert read == expected
    assert sum(map(len, read)) > 18_000  # the corpus's gold entities, none cut or lost


def test_docbin_bytes_are_spacys_own(project, tmp_path):
    """The export serialises its DocBin with fewer copies than DocBin.to_bytes: the same bytes."""
    import spacy
    from spacy.tokens import DocBin

    from annotator.formats.docbin import DOCBIN_ATTRS, docbin_bytes

    nlp = spacy.blank("es")
    docs = [nlp(TEXT), nlp("Otro texto."), nlp("")]
    docs[0].user_data["x"] = {"a": 1}

    def filled():
        doc_bin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=True)
        for doc in docs:
            doc_bin.add(doc)
        return doc_bin

    assert docbin_bytes(filled()) == filled().to_bytes()
    assert docbin_bytes(DocBin(store_user_data=True)) == DocBin(store_user_data=True).to_bytes()

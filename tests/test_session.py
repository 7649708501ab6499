"""The open article as a model (annotator.session), without Qt: order, counts, selection, Tab,
what an action's recorded states show, and the rows a list view is told of."""

import random
from dataclasses import replace

from annotator.domain import Span, span_order
from annotator.session import MANY_CHANGES, OpenDocument

TEXT = "Kim Jong-un habló con Shoigú en Pionyang, según KCNA. " * 3


def span(span_id, start, end, label="PER", layer="entities", status="accepted", annotator="ana"):
    return Span(span_id, 1, start, end, label, layer, annotator, "manual", status, {})


class Mirror:
    """A list kept only from what the model tells its listeners, as a Qt list model is."""

    def __init__(self, document: OpenDocument) -> None:
        self.document = document
        self.rows: list[Span] = []
        self.events: list[tuple] = []
        self._pending: int | None = None
        document.listeners.append(self)

    def reset(self):
        self.events.append(("reset",))
        self.rows = list(self.document.order)

    def removing(self, row):
        self.events.append(("removing", row))
        self._pending = row

    def removed(self):
        del self.rows[self._pending]

    def inserting(self, row):
        self.events.append(("inserting", row))
        self._pending = row

    def inserted(self):
        self.rows.insert(self._pending, self.document.order[self._pending])


def test_spans_in_the_one_order_stacked_ones_by_layer():
    document = OpenDocument()
    kcna_source = span(1, 48, 52, "SOURCE", "analysis")
    kcna_org = span(2, 48, 52, "ORG")
    kim = span(3, 0, 11, status="suggested")
    document.load(1, TEXT, [kcna_source, kcna_org, kim])
    assert [s.id for s in document.order] == [3, 2, 1]  # start, end, then entities before analysis
    assert document.undecided == 1
    assert [s.id for s in document.between(49, 50)] == [2, 1]
    assert document.at(50).id == 2  # entities before analysis spans on the same characters


def test_tab_visits_stacked_spans_and_wraps_both_ways():
    document = OpenDocument()
    document.load(1, TEXT, [span(1, 48, 52, "SOURCE", "analysis"), span(2, 48, 52, "ORG"), span(3, 0, 11)])
    order = []
    key = None
    for _ in range(4):
        next_id = document.next_span(key, +1, 0)
        order.append(next_id)
        key = span_order(document.spans[next_id])
    assert order == [3, 2, 1, 3]
    assert document.next_span(span_order(document.spans[3]), -1) == 1  # Shift+Tab from the first wraps
    assert document.next_span(None, +1, position=20) == 2  # from the text cursor
    only_suggested = document.next_span(None, +1, 0, among=lambda s: s.status == "suggested")
    assert only_suggested is None  # nothing undecided: nothing to go to


def test_a_change_moves_the_row_and_the_selection_follows_or_drops():
    document = OpenDocument()
    mirror = Mirror(document)
    document.load(1, TEXT, [span(1, 0, 11), span(2, 22, 28), span(3, 32, 40)])
    document.select(2)
    touched = document.apply({2: span(2, 41, 45, "LOC")})  # resized past another span
    assert [s.id for s in document.order] == [1, 3, 2]
    assert mirror.events[-2:] == [("removing", 1), ("inserting", 2)]
    assert [s.id for s in mirror.rows] == [1, 3, 2]
    assert {(s.start, s.label) for s in touched} == {(22, "PER"), (41, "LOC")}
    assert document.selected.label == "LOC"
    document.apply({2: None})
    assert document.selected is None and document.row_of(2) == -1


def test_many_changes_at_once_are_one_reset():
    document = OpenDocument()
    mirror = Mirror(document)
    suggestions = [span(i, i, i + 1, status="suggested") for i in range(1, MANY_CHANGES + 2)]
    document.load(1, TEXT * 3, suggestions)
    assert document.undecided == MANY_CHANGES + 1
    mirror.events.clear()
    document.apply({s.id: span(s.id, s.start, s.end) for s in suggestions})
    assert mirror.events == [("reset",)] and document.undecided == 0
    assert mirror.rows == document.order


def test_random_changes_keep_the_order_the_counts_and_every_listener_in_step():
    rng = random.Random(2026)
    document = OpenDocument()
    mirror = Mirror(document)
    document.load(1, TEXT, [])
    next_id = 1
    for _ in range(400):
        changed = {}
        for _ in range(rng.choice([1, 1, 2, 3])):
            if document.spans and rng.random() < 0.5:
                target = rng.choice(list(document.spans))
            else:
                target, next_id = next_id, next_id + 1
            if rng.random() < 0.25:
                changed[target] = None
            else:
                start = rng.randrange(0, len(TEXT) - 5)
                layer = rng.choice(["entities", "analysis"])
                changed[target] = span(
                    target, start, start + rng.randrange(1, 5), "QUOTE" if layer == "analysis" else "PER",
                    layer, rng.choice(["suggested", "accepted"]),
                )
        document.apply(changed)
        assert document.order == sorted(document.spans.values(), key=span_order)
        assert mirror.rows == document.order
        assert document.undecided == sum(s.status == "suggested" for s in document.spans.values())
        for offset in (0, 20, 60):
            assert [s.id for s in document.between(offset, offset + 3)] == [
                s.id for s in document.order if s.start < offset + 3 and s.end > offset
            ]


def test_what_an_action_recorded_is_what_the_database_holds(store):
    """The view is updated from the recorded states, never read back: they must be the rows."""
    document_id, _ = store.add_document(TEXT, "Kim")
    model = store.add_span(document_id, 0, 11, "PER", "spacy", origin="model", status="suggested")
    theirs = store.add_span(document_id, 22, 28, "PER", "bea")
    document = OpenDocument()
    document.load(document_id, TEXT, store.working_spans(document_id, "ana"))
    with store.recording() as changes:
        decision = store.accept_suggestion(model.id, "ana", label="ORG")
        store.update_span(decision.id, "ana", attributes={"role": "x"}, note="checked")
    states = {change.row_id: change.after for change in changes if change.kind == "span"}
    states[theirs.id] = {**states[decision.id], "id": theirs.id, "annotator": "bea", "status": "accepted"}
    shown = document.visible(states, "ana", store.schema.layer_of)
    assert model.id not in shown  # the suggestion itself did not change: ana's decision names it
    shown.update(document.settled(store.undecided_suggestions(document_id, "ana"), shown))
    assert shown[model.id] is None  # accepted: its decision is what the analyst sees
    assert shown[theirs.id] is None  # a colleague's decision is not in this view
    assert shown[decision.id] == untimed(store.span(decision.id))
    document.apply(shown)
    assert document.order == [untimed(s) if s.id == decision.id else s for s in store.working_spans(document_id, "ana")]


def untimed(span: Span) -> Span:
    """A span without its time stamps (the history keeps no time in a span's state, and the
    window shows none)."""
    return replace(span, created_at="", updated_at="")

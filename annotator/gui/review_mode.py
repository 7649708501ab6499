"""Review mode: the review dock beside the article, two annotators' differences one by one,
agreement measured in the background, and the gold set written by keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer


class ReviewMode:
    """Part of :class:`annotator.gui.app.MainWindow`."""

    @property
    def reviewing(self) -> bool:
        return self.review_panel is not None and self.act_review.isChecked()

    def toggle_review(self) -> None:
        from annotator.gui.review_panel import ReviewDock, ReviewPanel

        if self.review_panel is None:
            self.review_panel = ReviewPanel()
            self.review_dock = ReviewDock("Review", self)
            self.review_dock.setObjectName("review")
            self.review_dock.closed.connect(self._review_dock_closed)
            self.review_dock.setWidget(self.review_panel)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.review_dock)
            panel = self.review_panel
            panel.difference_selected.connect(self._show_difference)
            panel.resolve_requested.connect(
                lambda difference, choice: self.perform(
                    lambda: self.editor.resolve(difference, choice, panel.gold)
                )
            )
            panel.accept_agreed_requested.connect(
                lambda: (
                    self.document_id is not None
                    and self.perform(
                        lambda: self.editor.accept_agreed(self.document_id, panel.a, panel.b, panel.gold)
                    )
                )
            )
            panel.document_label_taken.connect(
                lambda name, value: (
                    self.document_id is not None
                    and self.perform(
                        lambda: self.editor.take_document_label(self.document_id, name, value, panel.gold)
                    )
                )
            )
            panel.annotators_changed.connect(self._review_annotators_changed)
            panel.corpus_requested.connect(self.show_corpus_agreement)
            panel.comment_requested.connect(
                lambda difference, text: (
                    self.perform(lambda: self.editor.comment(difference, text, panel.gold))
                    and panel.comment.clear()
                )
            )
        on = self.act_review.isChecked()
        self.review_dock.setVisible(on)
        self._make_room_for_review(on)
        if on:
            names = [a["name"] for a in self.store.annotators() if a["kind"] != "rule"]
            self.review_panel.set_annotators(names, self.store.annotators_by_work(self.document_id))
            self._review_annotators_changed()
        else:
            if self._agreement_worker_running():
                self.runner.cancel()  # nothing to order any more
            self.documents.model.set_scores(None)
            if self.document_id is not None:
                self.open_document(self.document_id)

    def _review_dock_closed(self) -> None:
        """The dock's × ends the review, as the menu does (not only hides its panel)."""
        if self.act_review.isChecked():
            self.act_review.setChecked(False)
            self.toggle_review()

    def _make_room_for_review(self, on: bool) -> None:
        """The review dock takes its width from the article's neighbours (the list and the
        side panel, narrowed to what they need), not from the article; they get their widths
        back when the review ends."""
        if on and self._sizes_before_review is None:
            self._sizes_before_review = self.splitter.sizes()
            QTimer.singleShot(0, self._narrow_neighbours)  # once the dock is laid out
        elif not on and self._sizes_before_review is not None:
            sizes, self._sizes_before_review = self._sizes_before_review, None
            QTimer.singleShot(0, lambda: self.splitter.setSizes(sizes))  # once the dock is gone

    def _narrow_neighbours(self) -> None:
        if self._sizes_before_review is None:  # the review ended meanwhile
            return
        sizes = self.splitter.sizes()
        listed = min(sizes[0], self.REVIEW_LIST_WIDTH)
        side = min(sizes[2], max(self.side.minimumSizeHint().width(), self.REVIEW_SIDE_WIDTH))
        self.splitter.setSizes([listed, sum(sizes) - listed - side, side])

    def _review_annotators_changed(self) -> None:
        panel = self.review_panel
        if not self.reviewing or not panel.a or not panel.b:
            return
        if self.document_id is not None:
            self.open_document(self.document_id)  # this article's differences, at once
        self._measure_agreement(self._order_by_agreement)

    def _order_by_agreement(self, result: Any) -> None:
        panel = self.review_panel
        current = self.document_id
        self.documents.model.set_scores(result.by_document)
        if current is not None:  # (its differences are shown already: see above)
            self.documents.select(current, emit=False)
        self.say(
            f"Review: {panel.b} against {panel.a}; the list starts with the articles they agree on least"
        )

    def _measure_agreement(self, then: Callable[[Any], None]) -> None:
        """The agreement of the review's B with A over the corpus, then ``then(result)``. On a
        project file it is measured on a worker thread (seconds on a large corpus), with
        progress and Cancel; the window stays usable meanwhile. Asked again while measuring,
        ``then`` waits for that result; when the pair changed meanwhile, the measure is
        stopped and the pair now chosen measured instead."""
        from annotator.gui.workers import AgreementWorker
        from annotator.review import agreement

        panel = self.review_panel
        pair = (panel.a, panel.b)
        if self._agreement_worker_running():
            self._agreement_waiting.append(then)
            if (self.runner.worker.a, self.runner.worker.b) != pair:
                self.runner.cancel()
            return
        if self.store.path == ":memory:" or self.runner.busy():
            then(agreement(self.store, *pair))  # no second connection, or other work running
            return

        def measured(result: Any) -> None:
            self._end_worker()
            self.runner.stop(10_000)  # ended: so that the next measure may start
            waiting = list(dict.fromkeys(self._agreement_waiting))
            self._agreement_waiting = []
            if not self.reviewing or not panel.a or not panel.b:
                return
            if (panel.a, panel.b) != pair:
                for callback in waiting:
                    self._measure_agreement(callback)
            elif result is None:
                self.say("Agreement over the corpus: cancelled; the list keeps its order")
            elif isinstance(result, Exception):
                self.say(f"Agreement over the corpus: {result}", error=True)
            else:
                for callback in waiting:
                    callback(result)

        self._agreement_waiting = [then]
        self._start_worker(
            AgreementWorker(self.store.path, *pair),
            f"Measuring the agreement of {pair[1]} with {pair[0]} over the corpus…",
            self.store.last_document_id(),
            measured,
        )

    def _agreement_worker_running(self) -> bool:
        from annotator.gui.workers import AgreementWorker

        return isinstance(self.runner.worker, AgreementWorker) and self.runner.busy()

    def _open_for_review(self, document: Any) -> None:
        from annotator.gui.review_panel import KIND_COLOURS
        from annotator.review import differences, exact_counts, settled

        panel = self.review_panel
        spans_a = self.store.review_spans(document.id, panel.a)
        spans_b = self.store.review_spans(document.id, panel.b)
        found = differences(spans_a, spans_b)
        marks, sides = {}, {}
        for difference in found:
            for side, span in (("A", difference.a), ("B", difference.b)):
                if span is not None:
                    marks[span.id], sides[span.id] = difference.kind, side
        gold_spans = [
            s for s in self.store.spans(document.id, annotator=panel.gold) if s.status == "accepted"
        ]
        sides |= {span.id: "G" for span in gold_spans}  # gold's own spans: editable with the usual keys
        self.view.set_review(marks, sides, KIND_COLOURS)
        self.view.set_document(
            document.text, [*spans_a, *spans_b, *gold_spans], self.store.schema.labels, document.id
        )
        self.side.set_document(
            document.text, document.status, document.note, self.store.schema, document.tags
        )
        self.side.show_span(None, [])
        gold = self.store.spans(document.id, annotator=panel.gold)
        done = {index for index, difference in enumerate(found) if settled(difference, gold)}
        f1 = exact_counts(
            [(s.start, s.end, s.label) for s in spans_a], [(s.start, s.end, s.label) for s in spans_b]
        ).f1
        panel.show_differences(document.text, found, done, f1)
        labels = self.store.document_labels(document.id)
        panel.show_document_labels(
            list(self.store.schema.document_labels),
            labels.get(panel.a or "", {}),
            labels.get(panel.b or "", {}),
            labels.get(panel.gold, {}),
        )
        self._update_counts()
        if self.documents.current_id() != document.id:
            self.documents.select(document.id, emit=False)

    def _show_difference(self, difference: Any) -> None:
        span = difference.a or difference.b
        self.view.select_span(span.id)
        self.side.show_span(span, [])

    def _review_step(self, direction: int) -> None:
        if self.reviewing:
            self.review_panel.step(direction)

    def _review_request(self, choice: str) -> None:
        if self.reviewing:
            self.review_panel.request(choice)

    def show_corpus_agreement(self) -> None:
        from annotator.gui.review_panel import CorpusDialog

        panel = self.review_panel

        def show(result: Any) -> None:
            self.corpus_dialog = CorpusDialog(panel.a, panel.b, result, self)
            self.corpus_dialog.open()

        self._measure_agreement(show)

"""An analyst's editing session over a project: every action, its undo and its redo. No Qt.

Each action is one store transaction whose row changes are recorded
(:meth:`Store.recording`); undo writes the recorded ``before`` states back and redo the
``after`` states, each as one transaction of its own. The window calls these methods and
redraws from the store; tests drive them without a window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from annotator.domain import Change, Span, move_boundary, simple_tokens, snap_to_tokens
from annotator.errors import StoreError
from annotator.store import Store

if TYPE_CHECKING:
    from annotator.review import Difference

T = TypeVar("T")


@dataclass
class Edit:
    description: str
    document_id: int | None
    changes: list[Change] = field(default_factory=list)
    #: Read back from the project (an earlier session): checked against the rows before it is
    #: undone or redone, since the project may have changed since.
    restored: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "document_id": self.document_id,
            "changes": [[c.kind, c.row_id, c.before, c.after] for c in self.changes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edit:
        changes = [Change(kind, row_id, before, after) for kind, row_id, before, after in data["changes"]]
        return cls(data["description"], data["document_id"], changes, restored=True)

    def spans_touched(self, document_id: int | None = None) -> set[int]:
        """Ids of the spans this action changed (only those of ``document_id`` if given)."""
        return {
            c.row_id
            for c in self.changes
            if c.kind == "span"
            and (
                document_id is None
                or document_id in {(s or {}).get("document_id") for s in (c.before, c.after)}
            )
        }

    def fate_candidates(self, annotator: str) -> tuple[set[int], set[tuple[int, int, str]]]:
        """What this action may have settled or unsettled for ``annotator``: the suggestions
        their changed spans name, and the places (start, end, label) those spans stood."""
        ids: set[int] = set()
        keys: set[tuple[int, int, str]] = set()
        for change in self.changes:
            if change.kind != "span":
                continue
            for state in (change.before, change.after):
                if state is not None and state["annotator"] == annotator:
                    if state.get("suggestion_id") is not None:
                        ids.add(state["suggestion_id"])
                    keys.add((state["start"], state["end"], state["label"]))
        return ids, keys

    def span_states(self, undone: bool = False) -> dict[int, dict[str, Any] | None]:
        """Each touched span's state once the action is done (``undone``: once it is undone),
        None for a span that no longer exists: what a view needs, without reading it back."""
        states: dict[int, dict[str, Any] | None] = {}
        for change in reversed(self.changes) if undone else self.changes:
            if change.kind == "span":
                states[change.row_id] = change.before if undone else change.after
        return states


class Editor:
    """Actions of ``annotator`` on ``store`` with unlimited undo and redo for the session."""

    def __init__(self, store: Store, annotator: str) -> None:
        self.store = store
        self.annotator = annotator
        self.undo_stack: list[Edit] = []
        self.redo_stack: list[Edit] = []
        self._tokens: dict[int, tuple[list[int], list[int]]] = {}

    # -- the machinery ---------------------------------------------------------------------

    def _run(self, description: str, document_id: int | None, action: Callable[[], T]) -> T:
        with self.store.recording() as changes:
            result = action()
        if changes:
            self.undo_stack.append(Edit(description, document_id, list(changes)))
            self.redo_stack.clear()
        return result

    def undo(
        self,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Edit | None:
        """Undo the last action; returns it (None when there is nothing to undo). If it cannot
        be written (or is stopped: Cancelled), it stays the next to undo."""
        return self._replay(self.undo_stack, self.redo_stack, "undo", progress, should_stop)

    def redo(
        self,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Edit | None:
        return self._replay(self.redo_stack, self.undo_stack, "redo", progress, should_stop)

    def _replay(
        self,
        source: list[Edit],
        target: list[Edit],
        direction: str,
        progress: Callable[[int, int], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> Edit | None:
        if not source:
            return None
        edit = source[-1]
        if edit.restored:
            self._check_unchanged(edit, direction)
        self.store.apply_changes(edit.changes, direction, self.annotator, progress, should_stop)
        target.append(source.pop())  # only once written
        return edit

    def _check_unchanged(self, edit: Edit, direction: str) -> None:
        """An action of an earlier session is undone (redone) only if its rows are still as it
        left them (as its undo left them): otherwise it would write over later work."""
        expected: dict[tuple[str, int], Any] = {}
        for change in edit.changes if direction == "undo" else reversed(edit.changes):
            expected[(change.kind, change.row_id)] = change.after if direction == "undo" else change.before
        probes = [Change(kind, row_id, state, state) for (kind, row_id), state in expected.items()]
        for probe, now in zip(probes, self.store.current_states(probes), strict=True):
            if probe.after != now:
                del (self.undo_stack if direction == "undo" else self.redo_stack)[-1]
                raise StoreError(
                    f"“{edit.description}” (from an earlier session) can no longer be {direction}ne: "
                    "the project changed since; it was dropped from the list"
                )

    #: How much of the undo history is kept in the project between sessions.
    KEPT_EDITS = 100
    KEPT_CHANGES = 20_000

    def save_history(self) -> None:
        """Keep the last actions (bounded) in the project, so that Ctrl+Z still works after a
        restart; written when the window closes or leaves the project."""

        def kept(stack: list[Edit]) -> list[dict[str, Any]]:
            chosen, changes = [], 0
            for edit in reversed(stack[-self.KEPT_EDITS :]):
                changes += len(edit.changes)
                if changes > self.KEPT_CHANGES:
                    break
                chosen.append(edit.to_json())
            return chosen[::-1]

        self.store.set_setting(
            f"undo/{self.annotator}", {"undo": kept(self.undo_stack), "redo": kept(self.redo_stack)}
        )

    def load_history(self) -> int:
        """The actions an earlier session kept (see :meth:`save_history`); how many."""
        try:
            saved = self.store.setting(f"undo/{self.annotator}") or {}
            self.undo_stack = [Edit.from_json(e) for e in saved.get("undo", [])] + self.undo_stack
            self.redo_stack = [Edit.from_json(e) for e in saved.get("redo", [])]
        except (KeyError, TypeError, ValueError):  # an unreadable value: no history, not an error
            self.undo_stack, self.redo_stack = [], []
        return len(self.undo_stack)

    @property
    def next_undo(self) -> Edit | None:
        return self.undo_stack[-1] if self.undo_stack else None

    @property
    def next_redo(self) -> Edit | None:
        return self.redo_stack[-1] if self.redo_stack else None

    @property
    def undo_text(self) -> str:
        return self.undo_stack[-1].description if self.undo_stack else ""

    @property
    def redo_text(self) -> str:
        return self.redo_stack[-1].description if self.redo_stack else ""

    # -- tokens ----------------------------------------------------------------------------

    def tokens(self, document_id: int) -> tuple[list[int], list[int]]:
        """The document's token boundaries: spaCy's when pre-annotated, else word boundaries."""
        cached = self._tokens.get(document_id)
        if cached is None:
            cached = self.store.tokens(document_id) or simple_tokens(self.store.document(document_id).text)
            self._tokens[document_id] = cached
        return cached

    def forget_tokens(self) -> None:
        """Drop cached boundaries (after a pre-annotation stored spaCy's)."""
        self._tokens.clear()

    # -- actions ---------------------------------------------------------------------------

    def tag_all(
        self,
        span_id: int,
        places: Sequence[tuple[int, int, int]] | None = None,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[int]:
        """Suggest a span's label wherever its text occurs in the corpus (``places`` as counted
        by ``Store.occurrences``, else counted now); one undoable action. Stopped halfway
        (``should_stop``), it raises Cancelled and leaves nothing, nor anything to undo."""
        span = self.store.span(span_id)
        text = self.store.document(span.document_id).text[span.start : span.end]
        return self._run(
            f"tag all “{text}” as {span.label}",
            None,
            lambda: self.store.tag_all(
                text, span.label, self.annotator, span.attributes, places, progress, should_stop
            ),
        )

    def create_span(self, document_id: int, start: int, end: int, label: str, snap: bool = True) -> Span:
        """A new decision over a selection of characters, snapped to whole tokens unless
        ``snap`` is False. If it is exactly an undecided suggestion, that suggestion is taken."""
        if snap:
            start, end = snap_to_tokens(start, end, *self.tokens(document_id))
        suggestion = self.store.suggestion_at(document_id, start, end, label, self.annotator)
        if suggestion is not None:
            return self.accept(suggestion, label=label)
        return self._run(
            f"tag {label}",
            document_id,
            lambda: self.store.add_span(document_id, start, end, label, self.annotator),
        )

    def accept(self, span_id: int, description: str | None = None, **changes: Any) -> Span:
        """Take a suggestion as it is, or relabelled/resized by ``changes``."""
        span = self.store.span(span_id)
        return self._run(
            description or f"accept {changes.get('label', span.label)}",
            span.document_id,
            lambda: self.store.accept_suggestion(span_id, self.annotator, **changes),
        )

    def reject(self, span_id: int) -> Span:
        span = self.store.span(span_id)
        return self._run(
            f"reject {span.label}",
            span.document_id,
            lambda: self.store.reject_suggestion(span_id, self.annotator),
        )

    def _change(self, span_id: int, description: str, **changes: Any) -> Span:
        """Change a decision in place, or accept a suggestion with the change."""
        span = self.store.span(span_id)
        if span.status == "suggested":
            return self.accept(span_id, description, **changes)
        if span.annotator != self.annotator and self.store.annotator_kind(span.annotator) != "gold":
            # a gold set is the reviewers' shared work; anyone else's spans are theirs alone
            raise StoreError(f"span {span_id} belongs to {span.annotator}; {self.annotator} cannot change it")
        return self._run(
            description, span.document_id, lambda: self.store.update_span(span_id, self.annotator, **changes)
        )

    def relabel(self, span_id: int, label: str) -> Span:
        return self._change(span_id, f"relabel as {label}", label=label)

    def resize(self, span_id: int, start: int, end: int) -> Span:
        return self._change(span_id, "resize", start=start, end=end)

    def nudge(self, span_id: int, side: str, grow: bool) -> Span:
        """Grow or shrink the ``side`` ("start" or "end") of a span by one token."""
        span = self.store.span(span_id)
        start, end = move_boundary(span.start, span.end, side, grow, *self.tokens(span.document_id))
        if (start, end) == (span.start, span.end):
            return span
        return self.resize(span_id, start, end)

    def set_attributes(self, span_id: int, attributes: dict[str, Any]) -> Span:
        return self._change(span_id, "set attributes", attributes=attributes)

    def set_note(self, span_id: int, note: str) -> Span:
        return self._change(span_id, "set note", note=note)

    def delete(self, span_id: int) -> None:
        """Delete a decision (one taken from a suggestion becomes its rejection, so that the
        suggestion does not come back); on an undecided suggestion, reject it."""
        span = self.store.span(span_id)
        if span.status == "suggested":
            self.reject(span_id)
            return
        self._run(
            f"delete {span.label}", span.document_id, lambda: self.store.delete_span(span_id, self.annotator)
        )

    def link(self, head_id: int, tail_id: int, label: str) -> Any:
        head = self.store.span(head_id)
        return self._run(
            f"link {label}",
            head.document_id,
            lambda: self.store.add_link(head_id, tail_id, label, self.annotator),
        )

    def unlink(self, link_id: int, document_id: int) -> None:
        self._run("remove link", document_id, lambda: self.store.delete_link(link_id, self.annotator))

    def accept_all(self, document_id: int) -> tuple[int, int]:
        return self._run(
            "accept all suggestions",
            document_id,
            lambda: self.store.accept_all_suggestions(document_id, self.annotator),
        )

    def set_status(self, document_id: int, status: str) -> None:
        self._run(
            f"mark {status.replace('_', ' ')}",
            document_id,
            lambda: self.store.set_document_status(document_id, status, self.annotator),
        )

    def set_document_label(self, document_id: int, name: str, value: Any) -> None:
        """One of the schema's document labels (None clears it), undoable."""
        self._run(
            f"document {name}",
            document_id,
            lambda: self.store.set_document_label(document_id, name, value, self.annotator),
        )

    def set_document_note(self, document_id: int, note: str) -> None:
        self._run(
            "document note",
            document_id,
            lambda: self.store.set_document_note(document_id, note, self.annotator),
        )

    def set_document_tags(self, document_id: int, tags: list[str]) -> None:
        self._run(
            "document tags",
            document_id,
            lambda: self.store.set_document_tags(document_id, tags, self.annotator),
        )

    # -- adjudication: the reviewer builds a gold set --------------------------------------

    def adopt(
        self, spans: list[Span], gold: str = "gold", status: str = "accepted", description: str = ""
    ) -> list[Span]:
        """Copy spans (of A, of B) into the gold set as one action; a span gold already has
        (same offsets and label) is not copied twice. ``status`` "rejected" records a span the
        reviewer decided against."""
        self.store.annotator_id(gold, "gold")
        have = {
            (s.start, s.end, s.label)
            for s in (self.store.spans(spans[0].document_id, annotator=gold) if spans else [])
        }

        def run() -> list[Span]:
            made = []
            with self.store.transaction():
                for span in spans:
                    if (span.start, span.end, span.label) in have:
                        continue
                    made.append(
                        self.store.add_span(
                            span.document_id,
                            span.start,
                            span.end,
                            span.label,
                            gold,
                            origin=span.origin if span.origin in ("manual", "import") else "manual",
                            status=status,
                            attributes=span.attributes,
                            note=span.note,
                            actor=self.annotator,
                        )
                    )
                    have.add((span.start, span.end, span.label))
                if spans and status == "accepted":
                    self._carry_links(spans[0].document_id, gold)
            return made

        document_id = spans[0].document_id if spans else None
        return self._run(description or f"gold: {len(spans)} span(s)", document_id, run)

    def take_document_label(self, document_id: int, name: str, value: Any, gold: str = "gold") -> None:
        """Settle a document label into the gold set (A's or B's choice), undoable."""
        self.store.annotator_id(gold, "gold")
        self._run(
            f"gold: {name}",
            document_id,
            lambda: self.store.set_document_label(document_id, name, value, gold),
        )

    def resolve(self, difference: Difference, choice: str, gold: str = "gold") -> list[Span]:
        """Settle one difference into gold: "a", "b", "both" or "neither" (recorded as rejected
        gold spans, so that the difference counts as decided)."""
        a, b = difference.a, difference.b
        if choice == "a" and a is None:  # A's decision is "no span here": B's is refused in gold
            chosen, status = [b], "rejected"
        elif choice == "b" and b is None:
            chosen, status = [a], "rejected"
        elif choice == "a":
            chosen, status = [a], "accepted"
        elif choice == "b":
            chosen, status = [b], "accepted"
        elif choice == "both":
            chosen, status = [a, b], "accepted"
        elif choice == "neither":
            chosen, status = [a, b], "rejected"
        else:
            raise StoreError(f"choose a, b, both or neither, not {choice!r}")
        chosen = [span for span in chosen if span is not None]
        if not chosen:
            raise StoreError(f"there is no span of {choice.upper()} here")
        return self.adopt(chosen, gold, status, f"gold: take {choice}")

    def accept_agreed(self, document_id: int, a: str, b: str, gold: str = "gold") -> list[Span]:
        """Every span A and B agree on (offsets, label, attributes) into gold, as one action."""
        from annotator.review import differences

        agreed = [
            d.a
            for d in differences(
                self.store.review_spans(document_id, a), self.store.review_spans(document_id, b)
            )
            if d.kind == "agreed"
        ]
        return self.adopt(agreed, gold, description=f"gold: accept {len(agreed)} agreed span(s)")

    def comment(self, difference: Difference, text: str, gold: str = "gold") -> Span:
        """A review comment on a settled difference: the note of its gold span, which travels
        with the project (a colleague sees it after merging this project back)."""
        keys = {(s.start, s.end, s.label) for s in (difference.a, difference.b) if s is not None}
        document_id = (difference.a or difference.b).document_id
        target = next(
            (s for s in self.store.spans(document_id, annotator=gold) if (s.start, s.end, s.label) in keys),
            None,
        )
        if target is None:
            raise StoreError(
                "settle this difference first (take A, B, both or neither); the comment goes on gold"
            )
        return self._change(target.id, "review comment", note=text)

    def _carry_links(self, document_id: int, gold: str) -> None:
        """A link between two spans that both made it into gold comes into gold too (from
        whichever annotator drew it), so that taking a quote and its speaker keeps the link."""
        spans = self.store.spans(document_id)
        by_id = {span.id: span for span in spans}
        in_gold = {
            (s.start, s.end, s.label): s.id for s in spans if s.annotator == gold and s.status == "accepted"
        }
        existing = {
            (k.head_id, k.tail_id, k.label) for k in self.store.links(document_id) if k.annotator == gold
        }
        for link in self.store.links(document_id):
            head, tail = by_id.get(link.head_id), by_id.get(link.tail_id)
            if head is None or tail is None or link.annotator == gold:
                continue
            gold_head = in_gold.get((head.start, head.end, head.label))
            gold_tail = in_gold.get((tail.start, tail.end, tail.label))
            if gold_head and gold_tail and (gold_head, gold_tail, link.label) not in existing:
                self.store.add_link(gold_head, gold_tail, link.label, gold, actor=self.annotator)
                existing.add((gold_head, gold_tail, link.label))

"""The article open in the window, as a model the views draw (no Qt): its spans in the one order
(:func:`span_order`), how many are undecided, which one is selected, and the analyst's next
span for Tab. An action's changes come in as their recorded states (:meth:`visible` turns them
into what the analyst sees), never by reading the database back.

The article view and the side panel's span list are views over one :class:`OpenDocument`: they
listen (:class:`Listener`) and are told of each row removed or inserted, in order, so that a
list can say so to its own views before and after each.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from annotator.domain import ANALYSIS, Span, span_order
from annotator.store.rows import span_from_state

#: Above this many changed spans at once (accept all, its undo) the order is rebuilt in one
#: sort, and listeners are told of a reset, rather than of each row.
MANY_CHANGES = 100


class Listener(Protocol):
    """What a view over an :class:`OpenDocument` is told. Rows are indexes in ``order``."""

    def reset(self) -> None: ...

    def removing(self, row: int) -> None: ...

    def removed(self) -> None: ...

    def inserting(self, row: int) -> None: ...

    def inserted(self) -> None: ...


class OpenDocument:
    def __init__(self) -> None:
        self.document_id: int | None = None
        self.text = ""
        self.spans: dict[int, Span] = {}
        #: The spans in the one order, with their keys and starts alongside for bisecting.
        self.order: list[Span] = []
        self.keys: list[tuple] = []
        self.starts: list[int] = []
        #: The longest span's length: how far before ``start`` a span covering it may begin.
        self.longest = 0
        #: How many of ``spans`` are undecided suggestions (kept up to date, not recounted).
        self.undecided = 0
        self.selected_id: int | None = None
        self.listeners: list[Listener] = []

    # -- content ---------------------------------------------------------------------------

    def load(self, document_id: int | None, text: str, spans: Iterable[Span]) -> None:
        """Another article (or the same one read afresh); nothing selected."""
        self.document_id = document_id
        self.text = text
        self.selected_id = None
        self.spans = {span.id: span for span in spans}
        self.undecided = sum(span.status == "suggested" for span in self.spans.values())
        self._reindex()
        for listener in self.listeners:
            listener.reset()

    def visible(
        self, states: dict[int, dict[str, Any] | None], annotator: str, layer_of: Callable[[str], str]
    ) -> dict[int, Span | None]:
        """The spans an action left, from their recorded states, as ``annotator`` sees them in
        this article (every undecided suggestion, and their own live decisions): None for those
        that are gone from the view."""
        shown: dict[int, Span | None] = {}
        for span_id, state in states.items():
            seen = (
                state is not None
                and state["document_id"] == self.document_id
                and (
                    state["status"] == "suggested"
                    or (state["annotator"] == annotator and state["status"] != "rejected")
                )
            )
            shown[span_id] = span_from_state(state, layer_of(state["label"])) if seen else None
        return shown

    def settled(
        self,
        undecided: dict[int, Span],
        changed: dict[int, Span | None],
        examined: set[int] | None = None,
    ) -> dict[int, Span | None]:
        """The suggestions an action settled or unsettled for the analyst, as changes to add to
        ``changed`` before :meth:`apply` (a suggestion itself does not change when a person
        decides it: their decision or rejection names it). ``undecided`` are the suggestions
        still undecided for them, read after the action: among ``examined`` (ids), else all
        the article's."""
        out: dict[int, Span | None] = {}
        shown = (
            (*self.spans.items(), *changed.items())
            if examined is None
            else [(i, changed[i] if i in changed else self.spans.get(i)) for i in examined]
        )
        for span_id, span in shown:
            if span is not None and span.status == "suggested" and span_id not in undecided:
                out[span_id] = None
        for span_id, span in undecided.items():
            if span_id not in self.spans and changed.get(span_id) is None:
                out[span_id] = span
        return out

    def apply(self, changed: dict[int, Span | None]) -> list[Span]:
        """Take an action's changes (span id -> the span now, or None when it left the view):
        the order is kept by bisection (one sort for many changes), listeners are told of every
        row, and the selection is dropped if its span left. Returns the spans touched, before
        and after (what a view repaints)."""
        touched: list[Span] = []
        if len(changed) > MANY_CHANGES:
            for span_id, span in changed.items():
                old = self.spans.pop(span_id, None)
                if old is not None:
                    touched.append(old)
                    self.undecided -= old.status == "suggested"
                if span is not None:
                    touched.append(span)
                    self.spans[span_id] = span
                    self.undecided += span.status == "suggested"
            self._reindex()
            for listener in self.listeners:
                listener.reset()
        else:
            for span_id, span in changed.items():
                old = self.spans.pop(span_id, None)
                if old is not None:
                    touched.append(old)
                    self.undecided -= old.status == "suggested"
                    row = bisect.bisect_left(self.keys, span_order(old))
                    for listener in self.listeners:
                        listener.removing(row)
                    del self.order[row], self.keys[row], self.starts[row]
                    for listener in self.listeners:
                        listener.removed()
                if span is not None:
                    touched.append(span)
                    self.spans[span_id] = span
                    self.undecided += span.status == "suggested"
                    key = span_order(span)
                    row = bisect.bisect_left(self.keys, key)
                    for listener in self.listeners:
                        listener.inserting(row)
                    self.order.insert(row, span)
                    self.keys.insert(row, key)
                    self.starts.insert(row, span.start)
                    self.longest = max(self.longest, span.end - span.start)
                    for listener in self.listeners:
                        listener.inserted()
        if self.selected_id not in self.spans:
            self.selected_id = None
        return touched

    def _reindex(self) -> None:
        self.order = sorted(self.spans.values(), key=span_order)
        self.keys = [span_order(span) for span in self.order]
        self.starts = [span.start for span in self.order]
        self.longest = max((span.end - span.start for span in self.order), default=0)

    # -- reading -----------------------------------------------------------------------------

    def between(self, start: int, end: int) -> Iterator[Span]:
        """Spans sharing at least one character with ``start``-``end``, in the one order."""
        first = bisect.bisect_left(self.starts, start - self.longest)
        last = bisect.bisect_left(self.starts, end)
        for span in self.order[first:last]:
            if span.end > start:
                yield span

    def at(self, offset: int) -> Span | None:
        """The shortest span covering a character (entities before analysis spans)."""
        covering = list(self.between(offset, offset + 1))
        if not covering:
            return None
        return min(covering, key=lambda span: (span.layer == ANALYSIS, span.end - span.start))

    def row_of(self, span_id: int | None) -> int:
        """The span's index in ``order``, or -1."""
        span = self.spans.get(span_id) if span_id is not None else None
        if span is None:
            return -1
        row = bisect.bisect_left(self.keys, span_order(span))
        return row if row < len(self.order) and self.order[row].id == span.id else -1

    # -- selection ---------------------------------------------------------------------------

    @property
    def selected(self) -> Span | None:
        return self.spans.get(self.selected_id) if self.selected_id is not None else None

    def select(self, span_id: int | None) -> Span | None:
        """Select a span of this article (an unknown id selects nothing); returns the span
        selected before."""
        previous = self.selected
        self.selected_id = span_id if span_id in self.spans else None
        return previous

    def next_span(
        self, after: tuple | None, step: int, position: int = 0, among: Callable[[Span], bool] | None = None
    ) -> int | None:
        """The span after (``step`` +1) or before (-1) the one whose :func:`span_order` key is
        ``after``, wrapping around; with no key, from the character ``position``. ``among``
        narrows the spans Tab walks (those a link can reach, the undecided ones)."""
        candidates = self.order if among is None else [span for span in self.order if among(span)]
        if not candidates:
            return None
        keys = self.keys if among is None else [span_order(span) for span in candidates]
        key = after if after is not None else (position,)
        if step > 0:
            index = bisect.bisect_right(keys, key) if after is not None else bisect.bisect_left(keys, key)
            return candidates[index % len(candidates)].id
        index = bisect.bisect_left(keys, key) - 1
        return candidates[index % len(candidates)].id

"""The history of every action, the recording of an action's changes, and undo/redo by writing them
back."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from annotator.domain import DECIDERS, Change, checkpoint
from annotator.errors import StoreError
from annotator.store.rows import dump_json, link_state, now, span_state, sql_list


class History:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def _log(
        self,
        action: str,
        document_id: int | None,
        span_id: int | None,
        before: Any,
        after: Any,
        annotator: str,
        kind: str | None = None,
        row_id: int | None = None,
    ) -> None:
        """Append to the history; a change of ``kind`` (span, link, document) is also handed to
        the recorder of :meth:`recording`, which is what undo replays."""
        self.conn.execute(
            "INSERT INTO history (at, annotator, action, document_id, span_id, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                now(),
                annotator,
                action,
                document_id,
                span_id,
                None if before is None else dump_json(before),
                None if after is None else dump_json(after),
            ),
        )
        if kind is not None and self._recorder is not None:
            self._recorder.append(Change(kind, row_id if row_id is not None else span_id, before, after))

    def log(
        self, action: str, annotator: str, details: dict[str, Any], document_id: int | None = None
    ) -> None:
        """Record a bulk action (an import, a pre-annotation batch) as one history entry."""
        self._log(action, document_id, None, None, details, annotator)

    @contextmanager
    def recording(self) -> Iterator[list[Change]]:
        """Collect the changes made inside the block (for undo); one block at a time."""
        if self._recorder is not None:
            raise StoreError("already recording changes")
        self._recorder = changes = []
        try:
            yield changes
        finally:
            self._recorder = None

    def apply_changes(
        self,
        changes: Sequence[Change],
        direction: str,
        annotator: str,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        """Undo (write every ``before``, last change first) or redo (every ``after``, in order)
        as one transaction, logged as "undo"/"redo". ``progress`` and ``should_stop`` as for
        :meth:`tag_all`: stopped, Cancelled is raised and nothing is changed."""
        if direction not in ("undo", "redo"):
            raise StoreError(f"direction must be undo or redo, not {direction!r}")
        ordered = list(reversed(changes)) if direction == "undo" else list(changes)
        with self.transaction():
            for done, change in enumerate(ordered):
                if done % self.PROGRESS_STEP == 0:
                    checkpoint(
                        done,
                        len(ordered),
                        progress,
                        should_stop,
                        f"{direction}: cancelled, nothing was changed",
                    )
                current, target = (
                    (change.after, change.before) if direction == "undo" else (change.before, change.after)
                )
                if change.kind == "span":
                    self._setspan_state(change.row_id, target)
                elif change.kind == "link":
                    self._setlink_state(change.row_id, target)
                elif change.kind == "document":
                    self._set_document_state(change.row_id, target or {})
                document_id = (
                    change.row_id
                    if change.kind == "document"
                    else (target or current or {}).get("document_id")
                )
                self._log(
                    f"{direction} {change.kind}", document_id, change.row_id, current, target, annotator
                )

    def _setspan_state(self, span_id: int, state: dict[str, Any] | None) -> None:
        if state is None:
            self.conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
            return
        values = (
            state["start"],
            state["end"],
            state["label"],
            state["status"],
            dump_json(state["attributes"]),
            state["note"],
            now(),
        )
        updated = self.conn.execute(
            'UPDATE spans SET start = ?, "end" = ?, label = ?, status = ?, attributes = ?, note = ?, '
            "updated_at = ? WHERE id = ?",
            (*values, span_id),
        ).rowcount
        if not updated:
            self.conn.execute(
                'INSERT INTO spans (id, document_id, start, "end", label, status, attributes, note, updated_at, '
                "annotator_id, origin, origin_detail, suggestion_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    span_id,
                    state["document_id"],
                    *values,
                    self.annotator_id(state["annotator"]),
                    state["origin"],
                    state["origin_detail"],
                    state["suggestion_id"],
                    now(),
                ),
            )

    def _setlink_state(self, link_id: int, state: dict[str, Any] | None) -> None:
        if state is None:
            self.conn.execute("DELETE FROM links WHERE id = ?", (link_id,))
            return
        self.conn.execute(
            "INSERT INTO links (id, head_id, tail_id, label, annotator_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET head_id = excluded.head_id, "
            "tail_id = excluded.tail_id, label = excluded.label, annotator_id = excluded.annotator_id",
            (
                link_id,
                state["head_id"],
                state["tail_id"],
                state["label"],
                self.annotator_id(state["annotator"]),
                now(),
            ),
        )

    def _set_document_state(self, document_id: int, state: dict[str, Any]) -> None:
        if "label" in state:
            label = state["label"]
            self.write_document_label(document_id, label["annotator"], label["name"], label["value"])
        for column in ("status", "note", "tags"):
            if column in state:
                value = dump_json(state[column]) if column == "tags" else state[column]
                self.conn.execute(
                    f"UPDATE documents SET {column} = ?, updated_at = ? WHERE id = ?",
                    (value, now(), document_id),
                )

    def current_states(self, changes: Sequence[Change]) -> list[dict[str, Any] | None]:
        """Each change's row as it is now, in the shape the history records it (None: gone)."""
        spans = self.spans_by_id({c.row_id for c in changes if c.kind == "span"})
        states: list[dict[str, Any] | None] = []
        for change in changes:
            if change.kind == "span":
                span = spans.get(change.row_id)
                states.append(None if span is None else span_state(span))
            elif change.kind == "link":
                found = self._link_and_document(change.row_id)
                states.append(None if found is None else link_state(*found))
            else:
                document = self.document(change.row_id)
                fields = {"status": document.status, "note": document.note, "tags": document.tags}
                reference = change.after or change.before or {}
                state = {key: fields[key] for key in reference if key in fields}
                if "label" in reference:
                    label = reference["label"]
                    current = self.document_labels(change.row_id, label["annotator"]).get(label["annotator"], {})
                    state["label"] = {**label, "value": current.get(label["name"])}
                states.append(state)
        return states

    def activity(self, annotator: str | None = None) -> list[tuple[str, str, int | None, int]]:
        """(at, annotator, document id, history id) of every change people made (not the
        pipelines' nor the imports'), of one ``annotator`` if given."""
        where, params = ("AND h.annotator = ?", (annotator,)) if annotator else ("", ())
        return self.conn.execute(
            "SELECT h.at, h.annotator, h.document_id, h.id FROM history h JOIN annotators a ON a.name = h.annotator "
            f"WHERE a.kind IN {sql_list(DECIDERS)} {where} ORDER BY h.id",
            params,
        ).fetchall()

    #: The history's actions on the fields of an article everyone shares (last writer wins).
    SHARED_FIELDS = {"set status": "status", "set note": "note", "set tags": "tags"}

    def shared_field_changes(self, document_id: int) -> dict[str, tuple[str, str]]:
        """Who last changed each shared field of a document (status, note, tags), and when:
        ``{field: (annotator, at)}``. On a server, colleagues write them in turn: the window
        shows whose value stands."""
        found: dict[str, tuple[str, str]] = {}
        for action, annotator, at, after in self.conn.execute(
            "SELECT action, annotator, at, after FROM history WHERE document_id = ? "
            "AND action IN ('set status', 'set note', 'set tags', 'undo document', 'redo document') ORDER BY id",
            (document_id,),
        ):
            if action in self.SHARED_FIELDS:
                found[self.SHARED_FIELDS[action]] = (annotator, at)
                continue
            for field in json.loads(after or "{}"):  # an undo or redo puts these fields back
                if field in ("status", "note", "tags"):
                    found[field] = (annotator, at)
        return found

    def history(self, document_id: int | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE document_id = ?", [document_id]) if document_id is not None else ("", [])
        rows = self._dicts(f"SELECT * FROM history {where} ORDER BY id", params)
        return [
            {
                **row,
                "before": json.loads(row["before"]) if row["before"] else None,
                "after": json.loads(row["after"]) if row["after"] else None,
            }
            for row in rows
        ]

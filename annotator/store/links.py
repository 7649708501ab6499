"""Links between two spans of a document (who said a quote, to whom a claim is attributed)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from annotator.domain import DECIDERS, MACHINES, Link
from annotator.errors import InvalidSpanError, StoreError
from annotator.store.rows import link_state, now, sql_list

#: A span named by where it is: (start, end, label).
SpanKey = tuple[int, int, str]


class Links:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def add_link(
        self, head_id: int, tail_id: int, label: str, annotator: str, actor: str | None = None
    ) -> Link:
        link_label = self.schema.link_labels.get(label)
        if link_label is None:
            raise InvalidSpanError(f"unknown link label {label!r}")
        with self.transaction():
            head, tail = self.span(head_id), self.span(tail_id)
            if head.document_id != tail.document_id:
                raise InvalidSpanError("a link joins two spans of the same document")
            if link_label.heads and head.label not in link_label.heads:
                raise InvalidSpanError(
                    f"a {label} link starts at {', '.join(link_label.heads)}, not {head.label}"
                )
            if link_label.tails and tail.label not in link_label.tails:
                raise InvalidSpanError(
                    f"a {label} link ends at {', '.join(link_label.tails)}, not {tail.label}"
                )
            existing = self.conn.execute(
                "SELECT links.id, annotators.name, annotators.kind, links.created_at FROM links "
                "JOIN annotators ON annotators.id = links.annotator_id "
                "WHERE head_id = ? AND tail_id = ? AND label = ?",
                (head_id, tail_id, label),
            ).fetchone()
            if existing is not None:
                link_id, owner, kind, created = existing
                if kind not in MACHINES:
                    raise InvalidSpanError(f"these two spans are already linked as {label} (by {owner})")
                # a link a pipeline proposed, drawn by the analyst: it becomes the analyst's
                before = Link(link_id, head_id, tail_id, label, owner, created)
                link = Link(link_id, head_id, tail_id, label, annotator, created)
                self._wrote_one(
                    self.conn.execute(
                        "UPDATE links SET annotator_id = ? WHERE id = ?", (self.annotator_id(annotator), link_id)
                    ),
                    f"link {link_id}",
                )
                self._log(
                    "move link",
                    head.document_id,
                    head_id,
                    link_state(before, head.document_id),
                    link_state(link, head.document_id),
                    actor or annotator,
                    "link",
                    link_id,
                )
                return link
            try:
                return self._insert_link(head_id, tail_id, label, annotator, head.document_id, actor or annotator)
            except sqlite3.IntegrityError as e:
                raise InvalidSpanError(f"link {head_id} -> {tail_id} ({label}) cannot be stored: {e}") from e

    def _insert_link(self, head_id: int, tail_id: int, label: str, owner: str, document_id: int, actor: str) -> Link:
        """Write a link of ``owner``, logged as added by ``actor`` (checked by the caller)."""
        stamp = now()
        link_id = self.conn.execute(
            "INSERT INTO links (head_id, tail_id, label, annotator_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (head_id, tail_id, label, self.annotator_id(owner), stamp),
        ).fetchone()[0]
        link = Link(link_id, head_id, tail_id, label, owner, stamp)
        self._log("add link", document_id, head_id, None, link_state(link, document_id), actor, "link", link_id)
        return link

    def delete_link(self, link_id: int, annotator: str) -> None:
        with self.transaction():
            found = self._link_and_document(link_id)
            if found is None:
                raise StoreError(f"no link with id {link_id}")
            link, document_id = found
            self._wrote_one(self.conn.execute("DELETE FROM links WHERE id = ?", (link_id,)), f"link {link_id} ({link.annotator}'s)")
            self._log(
                "delete link",
                document_id,
                link.head_id,
                link_state(link, document_id),
                None,
                annotator,
                "link",
                link_id,
            )

    def _link_and_document(self, link_id: int) -> tuple[Link, int] | None:
        """A link and the document it is in, or None."""
        row = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at, spans.document_id "
            "FROM links JOIN annotators ON annotators.id = links.annotator_id "
            "JOIN spans ON spans.id = links.head_id WHERE links.id = ?",
            (link_id,),
        ).fetchone()
        return None if row is None else (Link(*row[:6]), row[6])

    def links(self, document_id: int) -> list[Link]:
        rows = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at "
            "FROM links JOIN spans ON spans.id = links.head_id "
            "JOIN annotators ON annotators.id = links.annotator_id "
            "WHERE spans.document_id = ? ORDER BY links.id",
            (document_id,),
        )
        return [Link(*row) for row in rows]

    def links_of(self, span_id: int) -> list[Link]:
        """The links from and to one span (indexed both ways)."""
        rows = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at "
            "FROM links JOIN annotators ON annotators.id = links.annotator_id "
            "WHERE head_id = ? OR tail_id = ? ORDER BY links.id",
            (span_id, span_id),
        )
        return [Link(*row) for row in rows]

    def links_by_document(self) -> dict[int, list[Link]]:
        links: dict[int, list[Link]] = {}
        for row in self.conn.execute(
            "SELECT k.id, k.head_id, k.tail_id, k.label, a.name, k.created_at, s.document_id FROM links k "
            "JOIN annotators a ON a.id = k.annotator_id JOIN spans s ON s.id = k.head_id ORDER BY k.id"
        ):
            links.setdefault(row[6], []).append(Link(*row[:6]))
        return links

    def insert_link(self, head_id: int, tail_id: int, label: str, annotator_id: int) -> None:
        """A link of an import (no history of its own: the import is one entry)."""
        self.conn.execute(
            "INSERT INTO links (head_id, tail_id, label, annotator_id, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (head_id, tail_id, label, annotator_id, now()),
        )

    def link_suggestions(
        self, document_id: int, annotator_id: int, links: Iterable[tuple[SpanKey, SpanKey, str]]
    ) -> int:
        """Links a pipeline proposes (head, tail, label), each end named by offsets and label:
        the head is the pipeline's own undecided suggestion (a decided one is the analyst's
        business); the tail is a person's live decision on those characters, else the
        pipeline's suggestion. A link whose ends are not both there is not made. Returns how
        many were added. Call inside the pre-annotation's transaction."""
        added = 0
        stamp = now()
        for head, tail, label in links:
            head_row = self.conn.execute(
                'SELECT id FROM spans WHERE document_id = ? AND annotator_id = ? AND start = ? AND "end" = ? '
                "AND label = ? AND status = 'suggested'",
                (document_id, annotator_id, *head),
            ).fetchone()
            tail_row = self.conn.execute(
                'SELECT s.id FROM spans s JOIN annotators a ON a.id = s.annotator_id WHERE s.document_id = ? '
                'AND s.start = ? AND s."end" = ? AND s.label = ? AND ((a.kind IN '
                f"{sql_list(DECIDERS)} AND s.status = 'accepted') OR (s.annotator_id = ? AND s.status = 'suggested')) "
                "ORDER BY s.annotator_id = ? LIMIT 1",
                (document_id, *tail, annotator_id, annotator_id),
            ).fetchone()
            if head_row is None or tail_row is None:
                continue
            added += self.conn.execute(
                "INSERT INTO links (head_id, tail_id, label, annotator_id, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
                (head_row[0], tail_row[0], label, annotator_id, stamp),
            ).rowcount
        return added

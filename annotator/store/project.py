"""The project's own definitions: its schema (labels, attributes, link labels, settings), its
annotators, and key/value settings."""

from __future__ import annotations

import json
from typing import Any

from annotator.domain import ANNOTATOR_KINDS, AttributeDef, DocumentLabel, Label, LinkLabel, Schema
from annotator.errors import StoreError
from annotator.store.rows import dump_json, now


class Project:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    SETTING_UPSERT = (
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )

    def _write_schema(self, schema: Schema) -> None:
        conn = self.conn
        for position, label in enumerate(schema.labels.values()):
            self._write_label(label, position)
        for link in schema.link_labels.values():
            conn.execute(
                "INSERT INTO link_labels (name, heads, tails, description) VALUES (?, ?, ?, ?) ON CONFLICT (name) "
                "DO UPDATE SET heads = excluded.heads, tails = excluded.tails, description = excluded.description",
                (link.name, json.dumps(link.heads), json.dumps(link.tails), link.description),
            )
        settings = {
            "label_map": schema.label_map,
            "models": schema.models,
            "default_language": schema.default_language,
            "document_labels": {
                d.name: {"values": list(d.values), "multiple": d.multiple, "description": d.description}
                for d in schema.document_labels.values()
            },
            "rule_entities": schema.rule_entities,
            "rule_id_attribute": schema.rule_id_attribute,
        }
        for key, value in settings.items():
            conn.execute(
                self.SETTING_UPSERT, (key, json.dumps(value))
            )
        self._schema = None

    def _write_label(self, label: Label, position: int) -> None:
        self.conn.execute(
            "INSERT INTO labels (name, layer, colour, shortcut, description, position) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET layer = excluded.layer, "
            "colour = excluded.colour, shortcut = excluded.shortcut, description = excluded.description, "
            "position = excluded.position",
            (label.name, label.layer, label.colour, label.shortcut, label.description, position),
        )
        for attribute_position, attribute in enumerate(label.attributes):
            self.conn.execute(
                'INSERT INTO label_attributes (label, name, "values", description, position) '
                'VALUES (?, ?, ?, ?, ?) ON CONFLICT (label, name) DO UPDATE SET "values" = excluded."values", '
                "description = excluded.description, position = excluded.position",
                (
                    label.name,
                    attribute.name,
                    json.dumps(attribute.values),
                    attribute.description,
                    attribute_position,
                ),
            )

    @property
    def schema(self) -> Schema:
        """The project's schema, as stored in it (cached; refreshed after changes)."""
        if self._schema is None:
            self._schema = self._read_schema()
        return self._schema

    def reload_schema(self) -> None:
        """Forget the cached schema (after a rolled-back transaction that changed it)."""
        self._schema = None

    def _read_schema(self) -> Schema:
        attributes: dict[str, list[AttributeDef]] = {}
        for row in self._dicts("SELECT * FROM label_attributes ORDER BY label, position"):
            attributes.setdefault(row["label"], []).append(
                AttributeDef(row["name"], tuple(json.loads(row["values"])), row["description"])
            )
        labels = {
            row["name"]: Label(
                row["name"],
                row["layer"],
                row["colour"],
                row["shortcut"],
                row["description"],
                tuple(attributes.get(row["name"], ())),
            )
            for row in self._dicts("SELECT * FROM labels ORDER BY position, name")
        }
        link_labels = {
            row["name"]: LinkLabel(
                row["name"],
                tuple(json.loads(row["heads"])),
                tuple(json.loads(row["tails"])),
                row["description"],
            )
            for row in self._dicts("SELECT * FROM link_labels ORDER BY name")
        }
        settings = {row["key"]: json.loads(row["value"]) for row in self._dicts("SELECT * FROM settings")}
        return Schema(
            labels=labels,
            link_labels=link_labels,
            label_map=settings.get("label_map", {}),
            models=settings.get("models", {}),
            default_language=settings.get("default_language", "es"),
            rule_entities=settings.get("rule_entities", {}),
            rule_id_attribute=settings.get("rule_id_attribute", {}),
            document_labels={
                name: DocumentLabel(name, tuple(spec["values"]), bool(spec.get("multiple")), spec.get("description", ""))
                for name, spec in settings.get("document_labels", {}).items()
            },
        )

    def add_label(self, name: str, layer: str, colour: str = "#8c8c8c") -> Label:
        """Add a label to the project's schema (``import --add-labels``); existing ones are kept."""
        existing = self.schema.labels.get(name)
        if existing is not None:
            return existing
        label = Label(name, layer, colour)
        with self.transaction():
            self._write_label(label, len(self.schema.labels))
            self._log("add label", None, None, None, {"name": name, "layer": layer}, "schema")
        self._schema = None
        return label

    def annotator_id(self, name: str, kind: str = "human") -> int:
        """The id of annotator ``name``, created with ``kind`` on first use."""
        cached = self._annotator_ids.get(name)
        if cached is not None:
            return cached
        if kind not in ANNOTATOR_KINDS:
            raise StoreError(f"unknown annotator kind {kind!r}")
        row = self.conn.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
        if row is None:
            with self.transaction():
                # DO NOTHING, not an update: on a server, people may add annotators, not change them
                row = self.conn.execute(
                    "INSERT INTO annotators (name, kind, created_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(name) DO NOTHING RETURNING id",
                    (name, kind, now()),
                ).fetchone() or self.conn.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
        self._annotator_ids[name] = row[0]
        return row[0]

    def annotators_by_work(self, document_id: int | None) -> list[str]:
        """Annotators who can be compared (not rules, not gold sets): those with live spans in
        the document first, people before models, the most spans first (then in the whole
        project): the pair review mode proposes."""
        rows = self.conn.execute(
            "SELECT a.name, count(CASE WHEN s.document_id = ? THEN 1 END) AS here, count(s.id) AS everywhere "
            "FROM annotators a LEFT JOIN spans s ON s.annotator_id = a.id AND s.status != 'rejected' "
            "WHERE a.kind NOT IN ('rule', 'gold') GROUP BY a.id "
            "ORDER BY here > 0 DESC, a.kind = 'model', here DESC, everywhere DESC, a.name",
            (document_id,),
        )
        return [name for name, _here, _everywhere in rows]

    def annotators(self) -> list[dict[str, Any]]:
        return list(self._dicts("SELECT name, kind, created_at FROM annotators ORDER BY id"))

    def annotator_kind(self, name: str) -> str | None:
        row = self.conn.execute("SELECT kind FROM annotators WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def setting(self, key: str) -> Any:
        """A value kept in the project's settings table (JSON), or None."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            if value is None:
                self.conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                self.conn.execute(
                    self.SETTING_UPSERT, (key, dump_json(value))
                )

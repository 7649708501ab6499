"""The label schema from TOML: the packaged default, with a project's own file layered on top.

Unknown keys are refused with the file and the key named, so that a typo ("colur") is not
silently ignored.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from annotator.domain import LAYERS, AttributeDef, DocumentLabel, Label, LinkLabel, Schema
from annotator.errors import SchemaError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def resources_dir() -> Path:
    """The folder of default schema, patterns and samples (``ANNOTATOR_RESOURCES`` overrides)."""
    override = os.environ.get("ANNOTATOR_RESOURCES")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "resources"


def default_schema_path() -> Path:
    return resources_dir() / "schema.toml"


_TOP_KEYS = {"default_language", "models", "label_map", "labels", "links", "rules", "document_labels"}
_DOCUMENT_LABEL_KEYS = {"values", "multiple", "description"}
_LABEL_KEYS = {"layer", "colour", "shortcut", "description", "attributes"}
_ATTRIBUTE_KEYS = {"values", "description"}
_LINK_KEYS = {"heads", "tails", "description"}
_RULE_KEYS = {"id_attribute", "entity_for"}


def _check_keys(where: str, table: Any, allowed: set[str]) -> dict:
    if not isinstance(table, dict):
        raise SchemaError(f"{where}: expected a table, got {type(table).__name__}")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise SchemaError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    return table


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_schema_file(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise SchemaError(f"{path}: cannot read ({e.strerror})") from e
    except tomllib.TOMLDecodeError as e:
        raise SchemaError(f"{path}: not valid TOML ({e})") from e


def load_schema(override: Path | None = None) -> Schema:
    """The default schema, with ``override`` (a TOML file of the same shape) layered on top."""
    data = read_schema_file(default_schema_path())
    where = str(default_schema_path())
    if override is not None:
        data = _merge(data, read_schema_file(override))
        where = str(override)
    return schema_from_dict(data, where)


def schema_from_dict(data: dict, where: str = "schema") -> Schema:
    """Build and check a Schema from parsed TOML; raises SchemaError naming ``where``."""
    _check_keys(where, data, _TOP_KEYS)
    labels: dict[str, Label] = {}
    shortcuts: dict[str, str] = {}
    for name, spec in data.get("labels", {}).items():
        spec = _check_keys(f"{where}: labels.{name}", spec, _LABEL_KEYS)
        layer = spec.get("layer")
        if layer not in LAYERS:
            raise SchemaError(f"{where}: labels.{name}.layer must be one of {', '.join(LAYERS)}")
        shortcut = str(spec.get("shortcut", ""))
        if len(shortcut) > 1:
            raise SchemaError(f"{where}: labels.{name}.shortcut must be a single key, got {shortcut!r}")
        if shortcut and shortcut in shortcuts:
            raise SchemaError(
                f"{where}: shortcut {shortcut!r} is used by both {shortcuts[shortcut]} and {name}"
            )
        if shortcut:
            shortcuts[shortcut] = name
        attributes = []
        for attribute, attribute_spec in spec.get("attributes", {}).items():
            attribute_spec = _check_keys(
                f"{where}: labels.{name}.attributes.{attribute}", attribute_spec, _ATTRIBUTE_KEYS
            )
            attributes.append(
                AttributeDef(
                    attribute,
                    tuple(str(v) for v in attribute_spec.get("values", ())),
                    str(attribute_spec.get("description", "")),
                )
            )
        labels[name] = Label(
            name=name,
            layer=layer,
            colour=str(spec.get("colour", "#999999")),
            shortcut=shortcut,
            description=str(spec.get("description", "")),
            attributes=tuple(attributes),
        )
    link_labels = {}
    for name, spec in data.get("links", {}).items():
        spec = _check_keys(f"{where}: links.{name}", spec, _LINK_KEYS)
        for side in ("heads", "tails"):
            for label in spec.get(side, ()):
                if label not in labels:
                    raise SchemaError(f"{where}: links.{name}.{side} names unknown label {label!r}")
        link_labels[name] = LinkLabel(
            name, tuple(spec.get("heads", ())), tuple(spec.get("tails", ())), str(spec.get("description", ""))
        )
    rules = _check_keys(f"{where}: rules", data.get("rules", {}), _RULE_KEYS)
    for key in ("entity_for", "id_attribute"):
        for label in rules.get(key, {}):
            if label not in labels:
                raise SchemaError(f"{where}: rules.{key} names unknown label {label!r}")
    for label, target in rules.get("entity_for", {}).items():
        if target not in labels:
            raise SchemaError(f"{where}: rules.entity_for.{label} names unknown label {target!r}")
    document_labels = {}
    for name, spec in data.get("document_labels", {}).items():
        spec = _check_keys(f"{where}: document_labels.{name}", spec, _DOCUMENT_LABEL_KEYS)
        values = tuple(str(v) for v in spec.get("values", ()))
        if not values:
            raise SchemaError(f"{where}: document_labels.{name} needs values")
        document_labels[name] = DocumentLabel(
            name, values, bool(spec.get("multiple", False)), str(spec.get("description", ""))
        )
    return Schema(
        document_labels=document_labels,
        labels=labels,
        link_labels=link_labels,
        label_map={str(k): str(v) for k, v in data.get("label_map", {}).items()},
        models={str(k): str(v) for k, v in data.get("models", {}).items()},
        default_language=str(data.get("default_language", "es")),
        rule_entities=dict(rules.get("entity_for", {})),
        rule_id_attribute=dict(rules.get("id_attribute", {})),
    )


def schema_to_dict(schema: Schema) -> dict:
    """The inverse of :func:`schema_from_dict` (stored in the project, shown by ``labels``)."""
    return {
        "default_language": schema.default_language,
        "models": dict(schema.models),
        "label_map": dict(schema.label_map),
        "labels": {
            label.name: {
                "layer": label.layer,
                "colour": label.colour,
                "shortcut": label.shortcut,
                "description": label.description,
                "attributes": {
                    a.name: {"values": list(a.values), "description": a.description} for a in label.attributes
                },
            }
            for label in schema.labels.values()
        },
        "links": {
            link.name: {"heads": list(link.heads), "tails": list(link.tails), "description": link.description}
            for link in schema.link_labels.values()
        },
        "rules": {"entity_for": dict(schema.rule_entities), "id_attribute": dict(schema.rule_id_attribute)},
        "document_labels": {
            d.name: {"values": list(d.values), "multiple": d.multiple, "description": d.description}
            for d in schema.document_labels.values()
        },
    }

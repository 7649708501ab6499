"""The model learns from the analyst: a spaCy pipeline trained on the project's decisions, with
spaCy's own training (its config system, ``init_nlp`` and its training loop), kept beside the
project as a new version (:mod:`annotator.models`).

What it learns from: the decisions of complete documents (status done or reviewed), or those of
one annotator (``annotator``) or of the gold set (``gold``) in the documents they annotated.
Rejected suggestions and undecided ones are never positives. Entities train ``ner``: by default
the installed model's is fine-tuned (``base``); ``base="blank"`` trains one from scratch. The
analysis layer (CLAIM, QUOTE, SOURCE...) trains a ``spancat`` of its own, on spaCy's embedding,
over the candidates of the clause suggester (:func:`annotator.models.clause_spans`), when there
are at least :data:`MIN_ANALYSIS_SPANS` of its spans. A tenth of the
documents (``eval_split``) is held out to score each evaluation; the best one is kept, also when
the training is stopped. A failed or stopped training with nothing to keep leaves no version.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from annotator.domain import ANALYSIS, ENTITIES, Selection
from annotator.errors import AnnotatorError, Cancelled
from annotator.formats import FORMATS
from annotator.formats.writing import ExportError, ExportReport
from annotator.models import (
    MAX_CLAUSE_TOKENS,
    ModelInfo,
    load_for_ner,
    models_folder,
    next_version,
    pipeline_name,
    register_components,
    resolve,
    write_info,
)
from annotator.store import Store

#: Training steps (batches) by preset, and how often the dev part is scored.
STEPS = {"default": 3000, "fast": 1000}
EVAL_EVERY = 200
#: Fewer spans of the analysis layer than this, and it is left out of a training (said so).
MIN_ANALYSIS_SPANS = 10
#: spaCy's name of the installed Spanish model: the base the project's schema names by default.
BLANK = "blank"

Progress = Callable[[int, int, float | None], None]  # (step, of steps, latest dev F1 or None)


class TrainingError(AnnotatorError):
    """Training cannot start on this data (no complete documents, one label, ...)."""


class _Stop(Exception):
    """Raised inside spaCy's loop when the person cancels."""


# One training at a time per process: spaCy's loop finds its logger by name in the config.
_LOCK = threading.Lock()
_CALLBACKS: dict[str, Any] = {}


def _register_logger() -> None:
    from spacy import registry

    if "annotator.progress.v1" in registry.loggers:
        return

    @registry.loggers("annotator.progress.v1")
    def progress_logger() -> Any:
        def setup(nlp: Any, stdout: Any = None, stderr: Any = None) -> tuple[Any, Any]:
            def log_step(info: dict[str, Any] | None) -> None:
                # called once a step (with the scores after an evaluation)
                should_stop = _CALLBACKS.get("should_stop")
                if should_stop is not None and should_stop():
                    raise _Stop()
                _CALLBACKS["step"] = _CALLBACKS.get("step", 0) + 1
                if info is not None:
                    _CALLBACKS["last_f1"] = info.get("score")
                    _CALLBACKS["evaluations"] = _CALLBACKS.get("evaluations", 0) + 1
                report = _CALLBACKS.get("progress")
                if report is not None and (info is not None or _CALLBACKS["step"] % 10 == 0):
                    report(_CALLBACKS["step"], _CALLBACKS["steps"], _CALLBACKS.get("last_f1"))

            return log_step, lambda: None

        return setup


def training_selection(store: Store, annotator: str | None = None, gold: bool = False) -> Selection:
    """The documents and entities a training takes (see the module docstring)."""
    if annotator or gold:
        names = (
            [annotator]
            if annotator
            else [a["name"] for a in store.annotators() if a["kind"] == "gold"]
        )
        if annotator and store.annotator_kind(annotator) is None:
            raise TrainingError(f"no annotator named {annotator!r} in {store.shown_path}")
        ids: set[int] = set()
        for name in names:
            ids |= set(store.document_ids_where(annotator=name))
        if not ids:
            whose = f"{annotator!r}" if annotator else "the gold set"
            raise TrainingError(f"{whose} has no decisions to learn from")
        return Selection(
            annotators=(annotator,) if annotator else (),
            gold=gold,
            layers=(ENTITIES, ANALYSIS),
            document_ids=tuple(sorted(ids)),
        )
    return Selection(layers=(ENTITIES, ANALYSIS), document_statuses=("done", "reviewed"))


def check_data(
    store: Store, selection: Selection, base_labels: set[str] | None
) -> tuple[Counter[str], Counter[str]]:
    """The entity labels and the analysis labels the selection holds, or TrainingError saying
    what is wrong with it."""
    documents = store.count_selected_documents(selection)
    if documents < 2:
        raise TrainingError(
            f"{documents} complete document(s): training needs at least 2 (one held out to score it). "
            "Mark the articles you finished as done (Ctrl+Return in the window), or train on one annotator's "
            "work with --annotator NAME, or on the gold set with --gold"
        )
    labels: Counter[str] = Counter()
    analysis: Counter[str] = Counter()
    for span in store.selected_spans(selection):
        (analysis if span.layer == ANALYSIS else labels)[span.label] += 1
    if not labels:
        raise TrainingError(f"the {documents} complete documents hold no accepted entities to learn from")
    if len(labels) < 2:
        (only,) = labels
        raise TrainingError(
            f"only one label ({only}, {labels[only]} spans) in the complete documents: a model trained "
            "on it would learn that nothing else exists. Annotate the other entities of those documents first"
        )
    if base_labels is not None:
        unknown = sorted(set(labels) - base_labels)
        if unknown:
            raise TrainingError(
                f"label(s) {', '.join(unknown)} are not among the base model's ({', '.join(sorted(base_labels))}): "
                "train from scratch with --from blank to learn them"
            )
    return labels, analysis


def make_config(
    lang: str, base: str, train: Path, dev: Path, steps: int, seed: int = 0, spancat: bool = False
) -> Any:
    """spaCy's own default config for an ``ner`` pipeline (``init_config``), with a
    ``spancat`` for the analysis layer when asked (its candidates from the clause suggester);
    ``ner`` sourced from ``base`` when fine-tuning; the corpus paths and steps filled in."""
    from spacy.cli.init_config import init_config

    config = init_config(lang=lang, pipeline=["ner", "spancat"] if spancat else ["ner"], optimize="efficiency")
    if base != BLANK:
        # the base's ner has its own embedding: fine-tuned alone, the rest of the base stays out
        # (the generated tok2vec stays for the spancat)
        if spancat:
            config["components"]["ner"] = {"source": base}
        else:
            config["components"] = {"ner": {"source": base}}
            config["nlp"]["pipeline"] = ["ner"]
    if spancat:
        config["components"]["spancat"]["suggester"] = {
            "@misc": "annotator.clause_suggester.v1",
            "max_tokens": MAX_CLAUSE_TOKENS,
        }
        # scored per label too (a weight of None: reported, not counted in the best model's choice)
        config["training"]["score_weights"]["spans_sc_per_type"] = None
    config["paths"]["train"] = str(train)
    config["paths"]["dev"] = str(dev)
    config["system"]["seed"] = seed
    # parameter averaging: the saved weights are the running average (held-out F1 on the
    # CoNLL-2002 bench 0.778 -> 0.793 at 3000 steps)
    config["training"]["optimizer"]["use_averages"] = True
    config["training"]["max_steps"] = steps
    config["training"]["max_epochs"] = 0
    config["training"]["eval_frequency"] = min(EVAL_EVERY, max(steps // 2, 1))
    config["training"]["patience"] = max(steps, 1600)
    return config


def unreachable(corpus: Path) -> tuple[int, int]:
    """How many analysis spans of the exported corpus are not among the clause suggester's
    candidates (:func:`annotator.models.clause_spans`), of how many."""
    import spacy
    from spacy.tokens import DocBin

    from annotator.models import clause_spans

    vocab = spacy.blank("xx").vocab
    missed = total = 0
    for name in ("train.spacy", "dev.spacy"):
        for doc in DocBin().from_disk(corpus / name).get_docs(vocab):
            group = doc.spans.get("sc", [])
            if not group:
                continue
            candidates = set(clause_spans([t.text for t in doc], [t.is_punct for t in doc]))
            total += len(group)
            missed += sum((span.start, span.end) not in candidates for span in group)
    return missed, total


def base_labels(base: str) -> set[str] | None:
    """The entity labels of the base pipeline's ner (None from scratch)."""
    if base == BLANK:
        return None
    try:
        nlp = load_for_ner(base)
    except OSError as e:
        raise TrainingError(f"cannot load the base model {base!r}: {e}") from e
    if "ner" not in nlp.pipe_names:
        raise TrainingError(f"the base model {base!r} has no ner to fine-tune: use --from blank")
    return set(nlp.get_pipe("ner").labels)


def train(
    store: Store,
    *,
    base: str | None = None,
    annotator: str | None = None,
    gold: bool = False,
    steps: int | None = None,
    fast: bool = False,
    eval_split: float = 0.1,
    seed: int = 0,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ModelInfo:
    """Train a new version of the project's model; see the module docstring. ``base``: a spaCy
    pipeline, ``latest`` (the project's newest model), ``blank``, or None for the project's
    model for its language. Raises TrainingError (bad data), Cancelled (stopped before any
    model was scored)."""
    if store.path == ":memory:":
        raise TrainingError("training needs a project file (its models are kept beside it)")
    if not 0 < eval_split < 0.5:
        raise TrainingError(f"--eval-split must be between 0 and 0.5, not {eval_split}")
    project = Path(store.path)
    lang = store.schema.default_language
    base_name = base or store.schema.models.get(lang) or BLANK
    base_path = resolve(project, base_name) if base_name != BLANK else BLANK
    selection = training_selection(store, annotator, gold)
    labels, analysis = check_data(store, selection, base_labels(base_path))
    spancat = sum(analysis.values()) >= MIN_ANALYSIS_SPANS
    steps = steps or STEPS["fast" if fast else "default"]
    version = next_version(project)
    folder = models_folder(project)
    work = folder / f"v{version}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    try:
        report = ExportReport("spacy")
        try:
            with store.snapshot():  # the corpus as the project was at one moment (streamed on a server)
                FORMATS["spacy"].writer({"split": 1 - eval_split}).write(store, selection, work / "corpus", report)
        except ExportError as e:
            raise TrainingError(str(e)) from e
        corpus = work / "corpus"
        config = make_config(lang, base_path, corpus / "train.spacy", corpus / "dev.spacy", steps, seed, spancat)
        config.to_disk(work / "training.cfg")
        cancelled, done, evaluations = _run(work, steps, progress, should_stop)
        best = work / "output" / "model-best"
        # spaCy scores the untouched base first (step 0): a model is kept once a trained one is
        if not best.is_dir() or evaluations < 2:
            raise Cancelled("training stopped before a trained model was scored: no model was kept")
        target = folder / f"v{version}"
        best.rename(target)
        shutil.move(str(work / "training.cfg"), target / "training.cfg")
        info = _info(target, version, base_name, lang, work, report, labels + analysis, done, started, cancelled)
        if not spancat and analysis:
            info.notes.append(
                f"analysis layer left out: {sum(analysis.values())} span(s), at least {MIN_ANALYSIS_SPANS} are needed"
            )
        if spancat:
            missed, total = unreachable(corpus)
            info.data["analysis_unreachable"] = missed
            if missed:
                info.notes.append(
                    f"{missed} of {total} analysis span(s) do not start and end at a clause boundary: "
                    "the spancat cannot suggest those"
                )
        write_info(info)
        return info
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(
    work: Path, steps: int, progress: Progress | None, should_stop: Callable[[], bool] | None
) -> tuple[bool, int, int]:
    """spaCy's init_nlp and training loop on ``work/training.cfg``: (stopped early, steps
    done, evaluations made)."""
    from spacy import util
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_loop

    _register_logger()
    register_components()
    with _LOCK:
        _CALLBACKS.clear()
        _CALLBACKS.update(progress=progress, should_stop=should_stop, steps=steps)
        overrides = {"training.logger": {"@loggers": "annotator.progress.v1"}}
        config = util.load_config(work / "training.cfg", overrides=overrides, interpolate=False)
        quiet = io.StringIO()
        (work / "output").mkdir(exist_ok=True)
        nlp = init_nlp(config, use_gpu=-1)
        stopped = False
        try:
            train_loop(nlp, work / "output", use_gpu=-1, stdout=quiet, stderr=quiet)
        except (_Stop, KeyboardInterrupt):  # Cancel, or Ctrl-C on the command line
            stopped = True
        finally:
            done, evaluations = _CALLBACKS.get("step", 0), _CALLBACKS.get("evaluations", 0)
            _CALLBACKS.clear()
    return stopped, done, evaluations


def _info(
    target: Path,
    version: int,
    base: str,
    lang: str,
    work: Path,
    report: ExportReport,
    labels: Counter[str],
    steps: int,
    started: float,
    cancelled: bool,
) -> ModelInfo:
    import json

    meta_path = target / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    # the pipeline's own name and version: what its suggestions are recorded under
    meta["name"], meta["version"] = pipeline_name(lang, version).split("_", 1)[1].split("-")
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    performance = meta.get("performance", {})
    per_type = {**(performance.get("ents_per_type") or {}), **(performance.get("spans_sc_per_type") or {})}
    from spacy.tokens import DocBin

    def count(path: Path) -> int:
        return len(DocBin().from_disk(path)) if path.exists() else 0

    return ModelInfo(
        version=version,
        path=str(target),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        base=base,
        lang=lang,
        data={
            "train_documents": count(work / "corpus" / "train.spacy"),
            "dev_documents": count(work / "corpus" / "dev.spacy"),
            "spans": sum(labels.values()),
            **{f"spans_{label}": n for label, n in sorted(labels.items())},
        },
        scores={
            "p": round(performance.get("ents_p") or 0.0, 4),
            "r": round(performance.get("ents_r") or 0.0, 4),
            "f": round(performance.get("ents_f") or 0.0, 4),
            **(
                {
                    "analysis_p": round(performance.get("spans_sc_p") or 0.0, 4),
                    "analysis_r": round(performance.get("spans_sc_r") or 0.0, 4),
                    "analysis_f": round(performance.get("spans_sc_f") or 0.0, 4),
                }
                if "spans_sc_f" in performance
                else {}
            ),
        },
        per_label={
            label: {key: round(value, 4) for key, value in scores.items()} for label, scores in per_type.items()
        },
        steps=steps,
        seconds=round(time.perf_counter() - started, 1),
        cancelled=cancelled,
        config=str(target / "training.cfg"),
    )

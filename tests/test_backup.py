"""Backups: consistent copies, rolling, before migrations, once a day, and restore."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.errors import NotAProjectError
from annotator.store import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, Store, split_sql
from annotator.store.backups import backup, backups, daily_backup, restore

TEXT = "Kim Jong-un habló en Pionyang."


def spans_of(path):
    with Store(path) as store:
        return [(s.start, s.end, s.label, s.annotator) for s in store.spans()]


def test_backup_is_a_consistent_copy_while_the_project_is_open(db_path):
    with Store(db_path) as store:
        document_id, _ = store.add_document(TEXT, "Kim")
        store.add_span(document_id, 0, 11, "PER", "ana")
        copy = backup(db_path)  # the project is open, in WAL mode
        store.add_span(document_id, TEXT.index("Pionyang"), len(TEXT) - 1, "LOC", "ana")
    assert copy.parent.name == f".{db_path.name}.backups"
    assert spans_of(copy) == [(0, 11, "PER", "ana")]
    assert sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_rolling_backups_keep_the_last_few(db_path):
    Store(db_path).close()
    made = [backup(db_path, keep=3) for _ in range(5)]
    assert backups(db_path) == made[-3:]


def test_daily_backup_once_a_day(db_path):
    Store(db_path).close()
    first = daily_backup(db_path)
    assert first is not None
    assert daily_backup(db_path) is None  # not again the same day
    tomorrow = datetime.now(timezone.utc) + timedelta(hours=25)
    assert daily_backup(db_path, now=tomorrow) is not None


def test_a_migration_is_preceded_by_a_backup(db_path):
    conn = sqlite3.connect(db_path)
    for statement in split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.commit()
    conn.close()
    Store(db_path).close()
    (kept,) = backups(db_path)
    assert kept.name.endswith("-pre-migration-v1.db")
    assert sqlite3.connect(kept).execute("PRAGMA user_version").fetchone() == (1,)


def test_restore_brings_back_a_backup_and_keeps_the_state_before(db_path):
    with Store(db_path) as store:
        document_id, _ = store.add_document(TEXT, "Kim")
        store.add_span(document_id, 0, 11, "PER", "ana")
    good = backup(db_path)
    with Store(db_path) as store:
        store.delete_span(store.spans()[0].id, "ana")  # a mistake
    safety = restore(good, db_path)
    assert spans_of(db_path) == [(0, 11, "PER", "ana")]
    assert spans_of(safety) == []  # the state before the restore is not lost either


def test_restore_refuses_a_file_that_is_not_a_project(db_path, tmp_path):
    Store(db_path).close()
    bogus = tmp_path / "bogus.db"
    bogus.write_text("nope " * 100)
    with pytest.raises(NotAProjectError, match="not a SQLite database"):
        restore(bogus, db_path)


def test_backup_and_restore_commands(db_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db_path), "stats"]).exit_code == 0
    made = runner.invoke(cli, ["--db", str(db_path), "backup"])
    assert made.exit_code == 0 and "Backed up to" in made.output
    listed = runner.invoke(cli, ["--db", str(db_path), "backup", "--list"]).output.split()
    # the first command created the project; the second opened it: its daily backup, then ours
    assert [name.rsplit("-", 1)[1] for name in listed] == ["daily.db", "manual.db"]
    refused = runner.invoke(cli, ["--db", str(db_path), "restore", listed[0]], input="n\n")
    assert refused.exit_code == 1 and "not restored" in refused.output
    done = runner.invoke(cli, ["--db", str(db_path), "restore", listed[0], "--yes"])
    assert done.exit_code == 0 and "Restored" in done.output


def old_project(db_path, version=1):
    conn = sqlite3.connect(db_path)
    for step in MIGRATIONS[:version]:
        for statement in split_sql(step):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.commit()
    conn.close()


def test_a_migration_is_announced_on_the_command_line_and_in_the_window(
    db_path, tmp_path, qtbot, monkeypatch
):
    from click.testing import CliRunner

    from annotator.cli import cli
    from annotator.gui.project import open_store

    old_project(db_path, 6)
    told = []
    Store(db_path, on_migrate=told.append).close()
    assert len(told) == 1 and "from project format 6 to " in told[0]
    Store(db_path, on_migrate=told.append).close()
    assert len(told) == 1  # up to date: nothing to say
    other = tmp_path / "other.db"
    old_project(other, 6)
    result = CliRunner().invoke(cli, ["--db", str(other), "stats"])
    assert result.exit_code == 0 and "Updating other.db from project format 6" in result.output
    third = tmp_path / "third.db"
    old_project(third, 6)
    from PySide6.QtWidgets import QProgressDialog

    shown = []
    original = QProgressDialog.show
    monkeypatch.setattr(
        QProgressDialog, "show", lambda self: (shown.append(self.labelText()), original(self))
    )
    open_store(third).close()
    assert shown and "Updating third.db" in shown[0]


def test_a_migration_keeps_calling_while_busy_through_the_backup_and_the_update(db_path, monkeypatch):
    """So that the window's notice is drawn during a long update instead of freezing."""
    import annotator.store.backups as backup_module

    old_project(db_path, 6)
    monkeypatch.setattr(Store, "BUSY_STEP", 50)  # SQLite steps: a tiny project's update is short
    monkeypatch.setattr(backup_module, "BUSY_PAGES", 1)
    calls = []
    store = Store(
        db_path, on_migrate=lambda _message: calls.append("told"), while_busy=lambda: calls.append("busy")
    )
    assert calls[0] == "told" and calls.count("busy") >= 5
    # once up to date, the handler is gone: ordinary queries do not call it
    calls.clear()
    store.conn.execute("SELECT count(*) FROM spans, documents").fetchall()
    assert calls == []
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()
    assert len(backups(db_path)) == 1

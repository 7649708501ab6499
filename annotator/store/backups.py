"""Backups of a project, through SQLite's online backup API (consistent even while the window
writes): on demand, before a schema migration, and once a day. The last few are kept beside
the project in ``.<name>.backups/``; restoring first backs up the current state, so a restore
can itself be undone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from annotator.errors import StoreError
from annotator.store.files import read_only_uri
from annotator.store.untrusted import check_untrusted

#: How many rolling backups of each kind are kept.
KEEP = 5
DAILY = timedelta(hours=24)
#: Pages copied between two calls of ``while_busy`` (16 MB at 4 KiB pages: milliseconds).
BUSY_PAGES = 4096


def backup_folder(project: Path) -> Path:
    return project.parent / f".{project.name}.backups"


def copy_database(source: Path, target: Path, while_busy: Callable[[], None] | None = None) -> Path:
    """A consistent copy of ``source`` at ``target`` (SQLite's backup API, page by page;
    ``while_busy()`` is called between batches of pages)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob("*.partial"):  # a copy interrupted by an exit or a crash
        leftover.unlink(missing_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(read_only_uri(source), uri=True)
    dst = sqlite3.connect(partial)
    try:
        if while_busy is None:
            src.backup(dst)
        else:
            src.backup(dst, pages=BUSY_PAGES, progress=lambda *_counts: while_busy())
    finally:
        dst.close()
        src.close()
    partial.replace(target)
    return target


def backup(
    project: Path, reason: str = "manual", keep: int = KEEP, while_busy: Callable[[], None] | None = None
) -> Path:
    """A rolling backup of ``project`` tagged ``reason``; older ones of that reason beyond
    ``keep`` are removed. ``while_busy`` as for :func:`copy_database`."""
    project = Path(project)
    if not project.is_file():
        raise StoreError(f"{project}: no such project file")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_folder(project) / f"{project.stem}-{stamp}-{reason}.db"
    copy_database(project, target, while_busy)
    kept = sorted(backup_folder(project).glob(f"{project.stem}-*-{reason}.db"))
    for old in kept[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target


def pre_migration_backup(project: Path, version: int, while_busy: Callable[[], None] | None = None) -> None:
    """The copy of a project taken before it is brought up from ``version`` (the default
    ``before_migrate`` of a Store)."""
    backup(project, f"pre-migration-v{version}", while_busy=while_busy)


def backups(project: Path) -> list[Path]:
    """Every backup of ``project``, oldest first."""
    return sorted(backup_folder(Path(project)).glob(f"{Path(project).stem}-*.db"))


def daily_backup(project: Path, now: datetime | None = None) -> Path | None:
    """Back up ``project`` if its newest backup is more than a day old (or there is none)."""
    project = Path(project)
    if not project.is_file():
        return None
    existing = backups(project)
    moment = now or datetime.now(timezone.utc)
    if existing:
        newest = datetime.fromtimestamp(existing[-1].stat().st_mtime, timezone.utc)
        if moment - newest < DAILY:
            return None
    return backup(project, "daily")


def restore(backup_file: Path, project: Path) -> Path:
    """Replace ``project`` by ``backup_file`` (checked first like any file from elsewhere);
    the current state is backed up as "pre-restore" first. Returns that safety copy, or the
    project path when there was nothing to keep."""
    backup_file, project = Path(backup_file), Path(project)
    check_untrusted(backup_file)
    safety = backup(project, "pre-restore") if project.is_file() else project
    target = sqlite3.connect(project)
    source = sqlite3.connect(read_only_uri(backup_file), uri=True)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return safety

"""A project's connection: opening (refusing what is not a project, or a newer one), bringing an
older project up to date, and transactions (one per user action)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.domain import Change, Schema
from annotator.errors import NewerSchemaError, NotAProjectError, RefusedByServer, StoreError
from annotator.store.backups import pre_migration_backup
from annotator.store.dialect import POSTGRESQL, SQLITE
from annotator.store.files import connect
from annotator.store.migrations import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    catalogue_problem,
    split_sql,
)
from annotator.store.postgres import is_server_url

if TYPE_CHECKING:  # Python 3.11 has it at run time; annotations here are never evaluated
    from typing import Self

#: Told before a migration: (the project file, its version, ``while_busy``).
BeforeMigrate = Callable[[Path, int, Callable[[], None] | None], None]


class Connection:
    """Part of :class:`annotator.store.Store`: the connection the other parts share (``conn``),
    its transactions, and the opening checks and migrations."""

    schema: Schema  # from Project
    _recorder: list[Change] | None

    #: Rows a long write (tag all, the undo of a large action) does between two progress
    #: reports: a fraction of a second's work.
    PROGRESS_STEP = 500

    #: SQLite steps between two calls of ``while_busy`` during a migration (milliseconds).
    BUSY_STEP = 1_000_000

    def __init__(
        self,
        path: str | Path,
        schema: Schema | None = None,
        on_migrate: Callable[[str], None] | None = None,
        while_busy: Callable[[], None] | None = None,
        before_migrate: BeforeMigrate | None = pre_migration_backup,
    ) -> None:
        """``on_migrate(message)`` is told before an older project is brought up to date (a
        backup, then new tables or indexes: seconds or more on a large project), and
        ``while_busy()`` is called every few milliseconds meanwhile (a window stays drawn).
        ``before_migrate(path, version, while_busy)`` runs first (by default a backup of the
        file as it was; None for a throwaway copy)."""
        self.path = str(path)
        self._on_migrate = on_migrate
        self._while_busy = while_busy
        self._before_migrate = before_migrate
        self._db: Any = None
        self._schema: Schema | None = None
        self._annotator_ids: dict[str, int] = {}
        self._recorder: list[Change] | None = None
        if is_server_url(self.path):
            self._open_server(schema)
            return
        self.sql = SQLITE
        self.server = False
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = connect(self.path)
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot open ({e})") from e
        try:
            self._check_and_migrate(schema)
        except sqlite3.DatabaseError as e:
            self.conn.close()
            if isinstance(e, sqlite3.OperationalError) and "not a database" not in str(e):
                # locked, read-only, disk full...: the file may well be a project
                raise StoreError(f"{self.path}: cannot open ({e})") from e
            raise NotAProjectError(f"{self.path}: not an annotator project ({e})") from e
        except BaseException:
            self.conn.close()
            raise
        self.created = self._created

    def _open_server(self, schema: Schema | None) -> None:
        """A project on a PostgreSQL server: created by ``annotator server init`` (or here, when
        the database is empty and this user may create tables), else brought up to date."""
        from annotator.store.postgres import PgConnection, check_version, read_version

        self.sql = POSTGRESQL
        self.server = True
        self.conn = PgConnection(self.path)
        try:
            from annotator.store.pg_schema import SERVER_SCHEMA_VERSION

            version = read_version(self.conn, self.path)
            check_version(version, SERVER_SCHEMA_VERSION, self.path)
            self._created = version == 0
            if version < SERVER_SCHEMA_VERSION:
                self._migrate_server(version)
            if self._created:
                from annotator.schema import load_schema

                with self.transaction():
                    self._write_schema(schema or load_schema())
        except BaseException:
            self.conn.close()
            raise
        self.created = self._created

    def _migrate_server(self, version: int) -> None:
        from annotator.store.pg_schema import PG_MIGRATIONS, SERVER_SCHEMA_VERSION

        conn = self.conn
        with self.transaction():
            # one migrator at a time; another may have finished while this one waited
            conn.execute("SELECT pg_advisory_xact_lock(4242)")
            from annotator.store.postgres import read_version

            current = read_version(conn, self.path)
            while current < SERVER_SCHEMA_VERSION:
                target, script = PG_MIGRATIONS[current]
                conn.execute(script)
                conn.execute(
                    "INSERT INTO annotator_meta (key, value) VALUES ('version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(target),),
                )
                current = target
            from annotator.store.policies import apply_policies, has_roles

            if has_roles(conn):  # the new tables get the team's rules at once
                apply_policies(conn)

    @property
    def db(self) -> Any:
        """The connection wrapped by sqlite-utils (plugins off), for queries off the hot path;
        imported on first use, since the window must not wait for it at start-up."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn, execute_plugins=False)
        return self._db

    def _dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts, straight from sqlite3 (the start-up path)."""
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _check_and_migrate(self, schema: Schema | None) -> None:
        conn = self.conn
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if application_id not in (0, APPLICATION_ID) or (application_id == 0 and has_tables):
            raise NotAProjectError(f"{self.path}: a SQLite file of another application, not a project")
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path}: written by a newer version of annotator (schema {version}, "
                f"this version reads up to {SCHEMA_VERSION}); update annotator to open it"
            )
        if version > 0:
            # a project from elsewhere may carry triggers or views: refused before any write
            problem = catalogue_problem(conn, version)
            if problem:
                raise NotAProjectError(f"{self.path}: {problem}")
        self._created = version == 0
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit the window reports as saved survives power loss, not only a crash.
            conn.execute("PRAGMA synchronous = FULL")
        if version < SCHEMA_VERSION:
            if version > 0 and self._on_migrate is not None:
                self._on_migrate(
                    f"Updating {Path(self.path).name} from project format {version} to {SCHEMA_VERSION} "
                    "(once; a backup is taken first, and a large project takes a while)…"
                )
            if version > 0 and self.path != ":memory:" and self._before_migrate is not None:
                self._before_migrate(Path(self.path), version, self._while_busy)
            self._migrate(version)
        if self._created:
            from annotator.schema import load_schema

            with self.transaction():
                self._write_schema(schema or load_schema())

    def _migrate(self, version: int) -> None:
        conn = self.conn
        if self._while_busy is not None:
            busy = self._while_busy
            conn.set_progress_handler(lambda: busy() or 0, self.BUSY_STEP)  # 0: carry on
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock.
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in range(current, SCHEMA_VERSION):
                for statement in split_sql(MIGRATIONS[step]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.set_progress_handler(None, 0)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wrote_one(self, cursor: Any, what: str) -> None:
        """An UPDATE or DELETE of one row by id changed it. On a server, row-level security hides
        the rows a person may not write from their UPDATE and DELETE, which then change nothing
        without an error: said here, so that nothing is taken as done that was not."""
        if cursor.rowcount == 0:
            raise RefusedByServer(
                f"refused by the server: {what} is another person's (you may change only your own "
                "work and the models' suggestions)"
            )

    @property
    def shown_path(self) -> str:
        """The project as messages name it: its file, or its server URL without a password."""
        if self.server:
            from annotator.store.postgres import redacted

            return redacted(self.path)
        return self.path

    @property
    def server_user(self) -> str:
        """The name this connection has on the server (a server project only)."""
        return self.conn.raw.info.user

    @property
    def version(self) -> int:
        if self.server:
            from annotator.store.postgres import read_version

            return read_version(self.conn, self.path)
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see the project at one moment, whatever colleagues write meanwhile (an
        export of a live project); on a server, :meth:`stream` then fetches a large result a
        few thousand rows at a time. Inside a transaction, that transaction's view."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        for statement in self.sql.snapshot:
            conn.execute(statement)
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterable[Sequence[Any]]:
        """The rows of a large read (an export's spans), in order: on a server inside a
        :meth:`snapshot`, through a cursor of the server's (this process never holds the whole
        result); elsewhere a cursor (SQLite's steps through the rows already)."""
        if self.server and self.conn.in_transaction:
            return self.conn.stream(sql, params)
        return self.conn.execute(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: BEGIN IMMEDIATE, or a savepoint when already inside one."""
        conn = self.conn
        if conn.in_transaction:
            conn.execute("SAVEPOINT nested")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO nested")
                    conn.execute("RELEASE nested")
                raise
            conn.execute("RELEASE nested")
            return
        conn.execute(self.sql.begin)
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

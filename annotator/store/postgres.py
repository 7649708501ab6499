"""A project on a PostgreSQL server: the connection (psycopg 3) with the few calls of sqlite3's
that the parts use, its schema, and the checks on opening one.

A server project is one database. Its URL names the server and the database only; libpq finds
the password where it always does (``~/.pgpass`` or ``PGPASSFILE``, a service file,
``PGPASSWORD``): annotator never stores one. Parameters are written ``?`` in the parts' SQL, as
SQLite has them, and turned into psycopg's here (once per statement text).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from annotator.errors import ConnectionLost, NewerSchemaError, NotAProjectError, RefusedByServer, StoreError

URL_PREFIXES = ("postgresql://", "postgres://")


def is_server_url(path: object) -> bool:
    return isinstance(path, str) and path.startswith(URL_PREFIXES)


def local_name(url: str) -> str:
    """A file name for things kept on this machine about a server project (its trained models,
    its backups): the server's host and the database, readable."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    host = str(params.get("host") or "localhost").strip("/").replace("/", "_")
    name = f"{params.get('dbname', 'project')}@{host}" + (f"-{params['port']}" if params.get("port") else "")
    return re.sub(r"[^A-Za-z0-9_.@-]", "_", name)[-120:]


def title(url: str) -> str:
    """How a server project is named in a window's title: ``database @ host``."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    host = str(params.get("host") or "localhost")
    return f"{params.get('dbname', '?')} @ {'local socket' if host.startswith('/') else host}"


def without_password(url: str) -> str:
    """The URL as kept in a list of recent projects: a password written in it is left out
    (libpq finds it in ~/.pgpass)."""
    return re.sub(r"(://[^/:@]*):[^/]*@", r"\1@", url)


def redacted(url: str) -> str:
    """The URL as shown to people: a password written in it is replaced by ***."""
    return re.sub(r"(://[^/:@]*:)[^/]*@", r"\1***@", url)


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """SQLite's ``?`` parameters as psycopg's ``%s`` (a literal % doubled). The parts' SQL has
    no ``?`` inside string literals."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """A psycopg connection seen through the calls of sqlite3's that the store makes:
    ``execute``, ``executemany``, ``in_transaction``, ``close``. Autocommit, as sqlite3 with
    ``isolation_level=None``: the store opens its transactions itself."""

    def __init__(self, url: str, application: str = "annotator") -> None:
        import psycopg

        self.url = url
        try:
            self.raw = psycopg.connect(url, autocommit=True, application_name=application, connect_timeout=10)
        except psycopg.OperationalError as e:
            raise StoreError(f"{redacted(url)}: cannot connect ({_first_line(e)})") from e
        self._numeric_as_numbers()
        #: How many times the connection was made again after the server went away.
        self.reconnections = 0
        self._streams = 0

    def _numeric_as_numbers(self) -> None:
        """sum() of integers is numeric in PostgreSQL: read it as int (or float), as SQLite gives."""
        from psycopg.adapt import Loader

        class NumberLoader(Loader):
            def load(self, data: Any) -> int | float:
                text = bytes(data).decode()
                return int(text) if text.lstrip("-").isdigit() else float(text)

        self.raw.adapters.register_loader("numeric", NumberLoader)

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> Any:
        if self.raw.broken and sql == "ROLLBACK":
            return None  # the server ended the transaction with the connection
        idle = not self.in_transaction
        try:
            return self._execute(sql, params)
        except Exception as e:
            import psycopg

            # The server went away (restarted, a network cut) between two actions: nothing
            # was under way, so connect again and run the statement once more. Inside an
            # action, the action is lost whole (the server rolled it back): said, not retried.
            if idle and isinstance(e, psycopg.OperationalError) and self.raw.broken:
                self._reconnect(e)
                try:
                    return self._execute(sql, params)
                except Exception as again:
                    raise self._as_store_error(again) from again
            raise self._as_store_error(e) from e

    def _execute(self, sql: str, params: Sequence[Any] | None) -> Any:
        cursor = self.raw.cursor()
        if params:
            cursor.execute(translate(sql), list(params))
        else:  # no parameters: the text as is (a migration's several statements)
            cursor.execute(sql)
        return cursor

    def stream(self, sql: str, params: Sequence[Any] | None = ()) -> Iterator[Any]:
        """The rows of ``sql`` through a cursor of the server's (DECLARE, then FETCH a few
        thousand rows at a time): for a large read inside a transaction, which closes it. A
        fetch that fails (the server lost midway) raises as :meth:`execute` does."""
        self._streams += 1
        cursor = self.raw.cursor(name=f"annotator_stream_{self._streams}")
        cursor.itersize = 5000
        try:
            if params:
                cursor.execute(translate(sql), list(params))
            else:
                cursor.execute(sql)
        except Exception as e:
            raise self._as_store_error(e) from e
        return self._fetched(cursor)

    def _fetched(self, cursor: Any) -> Iterator[Any]:
        try:
            yield from cursor
        except Exception as e:
            raise self._as_store_error(e) from e

    def _reconnect(self, cause: BaseException) -> None:
        import psycopg

        try:
            raw = psycopg.connect(self.url, autocommit=True, application_name="annotator", connect_timeout=10)
        except psycopg.OperationalError as e:
            raise ConnectionLost(
                f"{redacted(self.url)}: the server cannot be reached ({_first_line(e)}); nothing of this "
                "action was kept, try again in a moment"
            ) from cause
        self.raw = raw
        self._numeric_as_numbers()
        self.reconnections += 1

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        cursor = self.raw.cursor()
        try:
            cursor.executemany(translate(sql), [list(row) for row in rows])
        except Exception as e:
            raise self._as_store_error(e) from e
        return cursor

    def _as_store_error(self, error: Exception) -> Exception:
        """The server's errors as the store's callers catch them: the DB-API classes under
        sqlite3's names (one ``except`` serves both backends), a refused privilege as
        RefusedByServer, a lost connection as ConnectionLost."""
        import sqlite3

        import psycopg
        from psycopg import errors

        message = _first_line(error)
        if isinstance(error, errors.InsufficientPrivilege):
            return RefusedByServer(f"refused by the server: {message}")
        if isinstance(error, psycopg.IntegrityError):
            return sqlite3.IntegrityError(message)
        if isinstance(error, psycopg.OperationalError) and (self.raw.closed or self.raw.broken):
            return ConnectionLost(
                f"{redacted(self.url)}: connection to the server lost ({message}); nothing of this action "
                "was kept, try again"
            )
        if isinstance(error, errors.RaiseException):  # the schema's own triggers
            return sqlite3.IntegrityError(message)
        if isinstance(error, psycopg.OperationalError):
            return sqlite3.OperationalError(message)
        if isinstance(error, psycopg.Error):
            return sqlite3.DatabaseError(message)
        return error

    def copy_rows(self, table: str, columns: str, rows: Iterable[Sequence[Any]]) -> int:
        """Rows into ``table`` by COPY (the fast path of bulk copies); how many."""
        count = 0
        try:
            with self.raw.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        except Exception as e:
            raise self._as_store_error(e) from e
        return count

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open; a lost connection holds none (the server rolled it
        back), so that the next action connects again instead of failing for good."""
        from psycopg.pq import TransactionStatus

        if self.raw.broken:
            return False
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()

    @property
    def closed(self) -> bool:
        return self.raw.closed


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


#: The version of a server project's schema is kept in this table (PostgreSQL has no
#: user_version); its ``application`` row tells a project from another database.
META_TABLE = "annotator_meta"
APPLICATION = "annotator"


def read_version(conn: PgConnection, url: str) -> int:
    """The schema version of the server project (0 for an empty database); NotAProjectError for
    a database with tables of another application."""
    has_meta = conn.execute("SELECT to_regclass('public.annotator_meta') IS NOT NULL").fetchone()[0]
    if not has_meta:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
        if tables:
            raise NotAProjectError(f"{redacted(url)}: a database of another application, not an annotator project")
        return 0
    row = conn.execute("SELECT value FROM annotator_meta WHERE key = 'version'").fetchone()
    return int(row[0]) if row else 0


def check_version(version: int, latest: int, url: str) -> None:
    if version > latest:
        raise NewerSchemaError(
            f"{redacted(url)}: written by a newer version of annotator (schema {version}, this version "
            f"reads up to {latest}); update annotator to open it"
        )


#: The channel a server project's triggers notify on (annotator_notify in pg_schema).
CHANNEL = "annotator"


def listen(
    url: str,
    on_change: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool],
    on_status: Callable[[str], None] = lambda _m: None,
    wait: float = 0.5,
) -> None:
    """Tell ``on_change`` each change a colleague's (or any) connection makes to the project at
    ``url`` (a dict: table, op, by, pid, documents: ids or None for many), until
    ``should_stop()``. A lost connection is retried every few seconds, told to ``on_status``;
    what changed meanwhile is told as a change of everything (documents None)."""
    import json
    import time

    import psycopg

    lost = False
    while not should_stop():
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5, application_name="annotator-listen") as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                if lost:
                    on_status(f"Reconnected to {title(url)}: showing the project as it is now")
                    on_change({"table": "documents", "op": "RECONNECT", "by": "", "pid": 0, "documents": None})
                    lost = False
                while not should_stop():
                    for notify in conn.notifies(timeout=wait):
                        try:
                            on_change(json.loads(notify.payload))
                        except ValueError:
                            continue
        except psycopg.OperationalError as e:
            if should_stop():
                return
            if not lost:
                on_status(f"Connection to {title(url)} lost ({_first_line(e)}); trying again…")
                lost = True
            for _ in range(10):  # a few seconds, still stoppable
                if should_stop():
                    return
                time.sleep(0.3)

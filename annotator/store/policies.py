"""The rules a server project's database enforces on every connection: the team's roles, the
grants, and row-level security (each statement can be repeated: run again after a migration)."""

from __future__ import annotations

from typing import Any

ANALYST = "annotator_analyst"
REVIEWER = "annotator_reviewer"

#: Machines' annotators: an analyst runs pre-annotation and imports, which write under them.
_MACHINE_KINDS = "('model', 'rule', 'import')"

#: The rules of a server project, run by ``server init`` (again after an update: every
#: statement can be repeated).
POLICIES = f"""
CREATE OR REPLACE FUNCTION annotator_may_write(who bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM annotators a WHERE a.id = who AND (
        (a.kind = 'human' AND a.name = session_user)
        OR a.kind IN {_MACHINE_KINDS}
        OR (a.kind = 'gold' AND pg_has_role(session_user, '{REVIEWER}', 'MEMBER'))))
$$;
CREATE OR REPLACE FUNCTION annotator_may_name(name text, kind text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT (kind = 'human' AND name = session_user)
        OR kind IN {_MACHINE_KINDS}
        OR (kind = 'gold' AND pg_has_role(session_user, '{REVIEWER}', 'MEMBER'))
$$;
-- who may change or remove a span once written: its person (gold: a reviewer), never through
-- a machine's name (a model's suggestion is the team's: each person decides it by rows of
-- their own)
CREATE OR REPLACE FUNCTION annotator_may_decide(who bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM annotators a WHERE a.id = who AND (
        (a.kind = 'human' AND a.name = session_user)
        OR (a.kind = 'gold' AND pg_has_role(session_user, '{REVIEWER}', 'MEMBER'))))
$$;
-- a suggestion nobody has decided (a newer model's run may replace it; once someone's
-- decision or rejection names it, it stays)
CREATE OR REPLACE FUNCTION annotator_undecided(suggestion bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT NOT EXISTS (SELECT 1 FROM spans f WHERE f.suggestion_id = suggestion)
$$;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON FUNCTION annotator_may_write(bigint), annotator_may_name(text, text), annotator_may_decide(bigint),
    annotator_undecided(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION annotator_may_write(bigint), annotator_may_name(text, text), annotator_may_decide(bigint),
    annotator_undecided(bigint) TO {ANALYST};
GRANT USAGE ON SCHEMA public TO {ANALYST};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ANALYST};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ANALYST};
GRANT INSERT, UPDATE ON documents TO {ANALYST};
GRANT INSERT ON annotators, history TO {ANALYST};
GRANT INSERT, UPDATE, DELETE ON spans, links, document_labels, annotator_documents, tokens, preannotations,
    assignments TO {ANALYST};

ALTER TABLE assignments ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS team_read ON assignments;
CREATE POLICY team_read ON assignments FOR SELECT USING (true);
DROP POLICY IF EXISTS own_or_reviewer ON assignments;
CREATE POLICY own_or_reviewer ON assignments FOR ALL
    USING (annotator_may_write(annotator_id) OR pg_has_role(session_user, '{REVIEWER}', 'MEMBER'))
    WITH CHECK (annotator_may_write(annotator_id) OR pg_has_role(session_user, '{REVIEWER}', 'MEMBER'));

ALTER TABLE annotators ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS team_read ON annotators;
CREATE POLICY team_read ON annotators FOR SELECT USING (true);
DROP POLICY IF EXISTS own_name ON annotators;
CREATE POLICY own_name ON annotators FOR INSERT WITH CHECK (annotator_may_name(name, kind));

ALTER TABLE history ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS team_read ON history;
CREATE POLICY team_read ON history FOR SELECT USING (true);
DROP POLICY IF EXISTS own_entries ON history;
CREATE POLICY own_entries ON history FOR INSERT WITH CHECK (annotator = session_user
    OR annotator_may_write((SELECT a.id FROM annotators a WHERE a.name = annotator)));
"""

#: Tables whose rows each belong to an annotator: read by the whole team, written by the
#: row's annotator only (an analyst's own, the machines', gold for reviewers).
OWNED = ("links", "document_labels", "annotator_documents")

#: Spans: written as for OWNED (pre-annotation and imports write the machines'), but changed
#: only by their person, and a machine's removed only while nobody has decided it.
SPAN_POLICIES = """
ALTER TABLE spans ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS team_read ON spans;
CREATE POLICY team_read ON spans FOR SELECT USING (true);
DROP POLICY IF EXISTS own_rows ON spans;
DROP POLICY IF EXISTS own_insert ON spans;
CREATE POLICY own_insert ON spans FOR INSERT WITH CHECK (annotator_may_write(annotator_id));
DROP POLICY IF EXISTS own_update ON spans;
CREATE POLICY own_update ON spans FOR UPDATE USING (annotator_may_decide(annotator_id))
    WITH CHECK (annotator_may_decide(annotator_id));
DROP POLICY IF EXISTS own_delete ON spans;
CREATE POLICY own_delete ON spans FOR DELETE USING (annotator_may_decide(annotator_id)
    OR (annotator_may_write(annotator_id) AND annotator_undecided(id)));
"""


def apply_policies(conn: Any) -> None:
    """The grants and row-level security of a server project (again after a migration: each
    statement can be repeated)."""
    conn.execute(POLICIES + _owned_policies() + SPAN_POLICIES)


def has_roles(conn: Any) -> bool:
    """Whether the project was made by ``server init`` (its rules then follow each migration)."""
    return bool(
        conn.execute(
            "SELECT EXISTS (SELECT 1 FROM annotator_meta WHERE key = 'admin') "
            f"AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ANALYST}')"
        ).fetchone()[0]
    )


def _owned_policies() -> str:
    statements = []
    for table in OWNED:
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
            f"DROP POLICY IF EXISTS team_read ON {table};",
            f"CREATE POLICY team_read ON {table} FOR SELECT USING (true);",
            f"DROP POLICY IF EXISTS own_rows ON {table};",
            f"CREATE POLICY own_rows ON {table} FOR ALL USING (annotator_may_write(annotator_id)) "
            "WITH CHECK (annotator_may_write(annotator_id));",
        ]
    return "\n".join(statements)

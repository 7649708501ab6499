"""Write the figures of bench/reliability.json (written by the tests of `make reliability`)
into the README's Reliability table, between its markers: the README never quotes a figure
typed by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def table(f: dict[str, int]) -> str:
    rows = [
        (
            "Every acknowledged decision survives a crash, none is half applied, the file stays sound",
            "`tests/test_crash.py`: a child process edits (create, relabel, resize, attributes, link, delete, status), "
            "printing each change once committed; it is killed with SIGKILL at random moments; every acknowledged "
            "change is found and `PRAGMA integrity_check` is ok",
            f"{f['edit_rounds_killed']} rounds killed, {f['edits_acknowledged_and_found']} acknowledged changes found",
        ),
        (
            "An import killed midway leaves whole files or none; running it again finishes without duplicates",
            "same file: an import of 40 files of 200 articles",
            f"{f['import_rounds_killed']} rounds killed",
        ),
        (
            "Pre-annotation killed midway keeps whole batches; running it again adds exactly what is missing",
            "same file: the real model on the samples",
            f"{f['preannotate_rounds_killed']} rounds killed",
        ),
        (
            'The window and the command line use one project at once: no "database is locked", nothing lost, '
            "consistent reads",
            "same file: an editor edits for 6 s while the command line pre-annotates, imports 9,000 articles, "
            "exports and reads",
            f"{f['concurrent_edits_acknowledged']} concurrent edits, all found",
        ),
        (
            "Any input file ends in a clear message or a correct import; never a traceback, never part of a file",
            "`tests/test_hostile_inputs.py` (hypothesis): random JSONL structures, random bytes under every "
            "extension, brat pairs, CRLF and lone CR (offsets keep their meaning), a 100 MB line, 2,000 tiny files",
            f"{f['hostile_inputs_jsonl_files']} JSONL files, {f['hostile_inputs_random_byte_files']} random-byte "
            f"files, {f['hostile_inputs_brat_pairs']} brat pairs, {f['hostile_inputs_line_ending_texts']} line-ending "
            f"texts; {f['hostile_inputs_refused']} refused cleanly",
        ),
        (
            "A colleague's file, or a project from elsewhere, never runs code here; refused, it changes nothing",
            "`tests/test_merge.py`, `tests/test_store.py`: triggers, views, extra or altered schema, another "
            "application, a newer version, a damaged page, not SQLite",
            f"{f['untrusted_files_refused']} hostile files refused by merge, this project byte-identical",
        ),
    ]
    if "monkey_steps" in f:
        rows.append(
            (
                "A person's keys never crash the window or make it show other than the file holds; no link "
                "points at a span its author cannot see; undo goes back to the start",
                "`tests/monkey.py`: a seeded random analyst drives the real window (label keys, Tab, Enter, X, "
                "nudges, attributes by combo and by keys, links, notes, status, articles, find, review, undo and "
                "redo bursts) and checks after every step; `make test` runs 1,000 steps, `make soak` fresh seeds",
                f"{f['monkey_steps']:,} steps on {f['monkey_seeds']} fresh seeds: {f['monkey_crashes']} crashes, "
                f"{f['monkey_divergences']} divergences",
            )
        )
    rows.append(
        (
            "Nothing is lost to a migration or a mistaken restore",
            "`tests/test_backup.py`: a backup before every migration, once a day on open, before every restore",
            "",
        )
    )
    lines = ["| guarantee | proved by | last run |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main() -> None:
    figures = json.loads((REPO / "bench" / "reliability.json").read_text())
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = re.sub(
        r"(<!-- reliability:start -->\n).*?(<!-- reliability:end -->)",
        lambda m: m.group(1) + table(figures) + "\n" + m.group(2),
        text,
        flags=re.S,
    )
    readme.write_text(new, encoding="utf-8")
    print(table(figures))


if __name__ == "__main__":
    main()

"""The monkey: a seeded random analyst drives the real window for 1,000 steps (see
tests/monkey.py); after each step the window and the file agree, every link points at a span
its author sees, and undoing everything gives back the project as it was."""

import pytest
from monkey import run

STEPS = int(__import__("os").environ.get("MONKEY_STEPS", "1000"))


@pytest.mark.slow
def test_a_thousand_steps_of_a_random_analyst(qapp, tmp_path):
    result = run(tmp_path / "monkey.db", tmp_path / "monkey.ini", seed=2026, steps=STEPS)
    assert result["steps"] == STEPS
    assert all(result["actions"].get(name, 0) > 0 for name in ("tag", "decide", "link", "undo_burst", "review"))

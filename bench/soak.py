"""The monkey's soak (``make soak``): a random analyst drives the real window (tests/monkey.py)
for 20,000 steps on fresh seeds, a process per seed so that a crash is counted, not fatal to
the run. Figures go to bench/reliability.json and, from there, the README's Reliability table.

    python bench/soak.py                 # 20,000 steps, 1,000 per seed
    python bench/soak.py --steps 5000 --per-seed 500
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIGURES = REPO / "bench" / "reliability.json"

CHILD = """
import json, os, sys
from pathlib import Path
sys.path[:0] = [{tests!r}, {repo!r}]
from PySide6.QtWidgets import QApplication
app = QApplication([])
from monkey import run
folder = Path(sys.argv[1])
try:
    result = run(folder / "monkey.db", folder / "monkey.ini", int(sys.argv[2]), int(sys.argv[3]))
    print("RESULT " + json.dumps(result), flush=True)
except AssertionError as e:
    print("DIVERGENCE " + str(e), flush=True)
    sys.exit(3)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--per-seed", type=int, default=1_000)
    args = parser.parse_args()
    script = CHILD.format(tests=str(REPO / "tests"), repo=str(REPO))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    seeds, steps, crashes, divergences, failures = [], 0, 0, 0, []
    started = time.time()
    while steps < args.steps:
        seed = random.SystemRandom().randrange(2**31)
        count = min(args.per_seed, args.steps - steps)
        with tempfile.TemporaryDirectory(prefix="soak-") as folder:
            child = subprocess.run(
                [sys.executable, "-c", script, folder, str(seed), str(count)],
                capture_output=True,
                text=True,
                env=env,
            )
        seeds.append(seed)
        steps += count
        if child.returncode == 3:
            divergences += 1
            failures.append(f"seed {seed}: " + child.stdout.split("DIVERGENCE ", 1)[-1].strip()[:400])
        elif child.returncode != 0:
            crashes += 1
            failures.append(f"seed {seed}: exit {child.returncode}: {child.stderr.strip()[-400:]}")
        print(f"seed {seed}: {count} steps, exit {child.returncode}", flush=True)
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures |= {
        "monkey_steps": steps,
        "monkey_seeds": len(seeds),
        "monkey_crashes": crashes,
        "monkey_divergences": divergences,
        "monkey_minutes": round((time.time() - started) / 60, 1),
    }
    FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    subprocess.run([sys.executable, str(REPO / "bench" / "reliability_table.py")], check=True, stdout=subprocess.DEVNULL)
    print(f"{steps} steps, {len(seeds)} seeds, {crashes} crashes, {divergences} divergences")
    for failure in failures:
        print(failure)
    sys.exit(1 if crashes or divergences else 0)


if __name__ == "__main__":
    main()

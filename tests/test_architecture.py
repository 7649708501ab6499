"""The house's rules that import-linter's contracts do not say (pyproject.toml has the layers):
no module imports one that imports it back, directly or through others, lazy imports included."""

from pathlib import Path

import grimp

from tests.layout import REPO, readme_with_section


def test_no_module_imports_one_that_imports_it_back():
    graph = grimp.build_graph("annotator")
    circles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None and imported != module:
                circles.append(" -> ".join((module, *back)))
    assert circles == []


def test_a_known_circle_would_be_found(tmp_path, monkeypatch):
    """The check above can fail: a package whose two modules import each other is caught."""
    package = tmp_path / "circular_example"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from circular_example import b\n")
    (package / "b.py").write_text("from circular_example import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circular_example", cache_dir=None)
    assert graph.find_shortest_chain(importer="circular_example.a", imported="circular_example.b")
    assert graph.find_shortest_chain(importer="circular_example.b", imported="circular_example.a")


def test_the_readme_layout_is_the_tree():
    """The README's Layout section is what tests/layout.py writes from the tree (make layout)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_section(readme), "the tree changed: run make layout"
    assert Path(REPO / "annotator" / "store" / "spans.py").is_file()  # the tree it was read from

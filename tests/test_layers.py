"""Imports run one way: pipelines -> assets -> dashboards -> mentorship. No module imports a layer above
it, and the plain-Python core imports no Dagster (docs/decisions/0008-plain-python-core.md)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["pipelines", "assets", "dashboards", "mentorship"]


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_a_layer_above_it(layer):
    above = LAYERS[: LAYERS.index(layer)]
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for name in sorted(imports(path))
        if name.split(".")[0] in above
    ]
    assert not wrong, wrong


@pytest.mark.parametrize("layer", ["dashboards", "mentorship"])
def test_the_core_and_the_pages_import_no_dagster(layer):
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for name in sorted(imports(path))
        if name.split(".")[0] in ("dagster", "dagster_duckdb")
    ]
    assert not wrong, wrong

"""The layout follows the data flow, and imports only go downstream (docs/architecture.md):

    core → ingestion → synthetic | equity → expectations → publication → orchestration

A package may import its own modules and any package of a lower layer, never one of its own layer
or above; lazy imports inside functions count too. Only orchestration/ imports Dagster.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "core": 0,
    "ingestion": 1,
    "synthetic": 2,
    "equity": 2,
    "expectations": 3,
    "publication": 4,
    "orchestration": 5,
}
OURS = set(LAYERS) | {"tests", "benchmarks"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in the file, including those inside functions."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_every_layer_exists_and_holds_code():
    for package in LAYERS:
        assert any(p.stat().st_size for p in _modules(package)), package
    assert not (ROOT / "ingestion" / "generate.py").exists(), "test data is generated in synthetic/ only"


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_imports_only_go_downstream(package):
    wrong = []
    for path in _modules(package):
        for line, top in _imports(path):
            if top in OURS and top != package and (top not in LAYERS or LAYERS[top] >= LAYERS[package]):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {top}")
    assert not wrong, "upward or sideways imports:\n" + "\n".join(wrong)


def test_only_orchestration_imports_dagster():
    wrong = [f"{p.relative_to(ROOT)}:{line} imports {top}"
             for package in LAYERS if package != "orchestration"
             for p in _modules(package)
             for line, top in _imports(p) if top.startswith("dagster")]
    assert not wrong, "\n".join(wrong)


def test_orchestration_is_dagster_and_a_thin_cli():
    """Every orchestration module touches Dagster, except the CLI shell (argument parsing and the
    offline environment); domain rules, SQL reports and publication live in the lower layers."""
    shell = {"cli.py", "environment.py", "__init__.py"}
    plain = [str(p.relative_to(ROOT)) for p in _modules("orchestration")
             if p.name not in shell and not any(top.startswith("dagster") for _, top in _imports(p))]
    assert not plain, f"modules in orchestration/ that never use Dagster: {plain}"
    cli = (ROOT / "orchestration" / "cli.py").read_text(encoding="utf-8").lower()
    assert "select " not in cli, "the CLI runs no SQL of its own (publication/summary.py does)"


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from orchestration.cli import main\n", encoding="utf-8")
    assert _imports(bad) == [(2, "orchestration")]

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


# The admission gate (ingestion/admission.py): one decision, asked on every path, one switch.
GATE = ROOT / "ingestion" / "admission.py"
GATE_PARTS = {"schools_delivered", "landing_inventory", "shrink_problems", "shrink_message", "empty_year_message",
              "EmptyYearError", "ShrinkRefused"}  # what the decision is made of (ingestion/inventory.py)
ASKING = ["orchestration/automation.py", "orchestration/assets/ingestion.py", "orchestration/assets/publish.py",
          "ingestion/load.py"]  # the schedule and sensor, the schools step, each feed's load, the publish step
LISTING = {"iterdir", "glob", "rglob", "listdir", "scandir", "walk"}
LANDING_LISTERS = {"ingestion/readers.py:feed_files", "ingestion/readers.py:unrecognised_files",
                   "ingestion/landing.py:landing_years"}


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if ROOT in path.parents else path.name


def _production() -> list[Path]:
    return [p for package in sorted(OURS - {"tests"}) for p in _modules(package)]


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _called(node: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of every call in `node`: f(…) and x.f(…) both give f."""
    out = []
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            name = n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
            out.append((n.lineno, name))
    return out


def _gate_parts_called(path: Path) -> list[str]:
    return [f"{line}: {name}" for line, name in _called(_tree(path)) if name in GATE_PARTS]


def _raw_switch_reads(path: Path) -> list[str]:
    """Where the module spells the switch as a raw config key, or reads the run's raw config other than
    through `run_admission`."""
    tree = _tree(path)
    through = {id(a) for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "run_admission"
               for a in n.args}
    out = [f"{n.lineno}: '{n.value}'" for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value == "accept_shrink"]
    out += [f"{n.lineno}: .run_config" for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr == "run_config" and isinstance(n.ctx, ast.Load)
            and id(n) not in through]
    return out


def _landing_listings(path: Path) -> list[str]:
    """Functions that list a folder while naming the landing."""
    out = []
    for fn in ast.walk(_tree(path)):
        if not isinstance(fn, ast.FunctionDef):
            continue
        names = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(fn)
                                                                           if isinstance(a, ast.arg)}
        if any("landing" in n for n in names) and any(name in LISTING for _, name in _called(fn)):
            out.append(f"{_name(path)}:{fn.name}")
    return out


def test_the_admission_decision_is_made_in_one_place():
    """What the gate decides on (schools rows, the shrink comparison, the refusals) is called by
    ingestion/admission.py only: every other module asks `admit_year` (or `launchable_years`)."""
    home = {GATE, ROOT / "ingestion" / "inventory.py"}
    wrong = [f"{p.relative_to(ROOT)}:{where}" for p in _production() if p not in home
             for where in _gate_parts_called(p)]
    assert not wrong, "the admission decision taken outside ingestion/admission.py:\n" + "\n".join(wrong)


@pytest.mark.parametrize("module", ASKING)
def test_every_path_asks_the_one_gate(module):
    tree = _tree(ROOT / module)
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "ingestion.admission"
                for a in n.names}
    assert imported & {"admit_year", "launchable_years"}, f"{module} does not ask ingestion/admission.py"
    assert {name for _, name in _called(tree)} & {"admit_year", "launchable_years"}


def test_the_shrink_switch_is_one_typed_field_read_in_one_place():
    """One class declares accept_shrink (the schools step's config, ops.ingest_schools.config); the
    other steps read the run's through `run_admission`, never by digging in the raw run config."""
    fields = [f"{_name(p)}:{c.name}" for p in _production() for c in ast.walk(_tree(p)) if isinstance(c, ast.ClassDef)
              for n in c.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "accept_shrink"]
    assert fields == ["orchestration/resources.py:AdmissionConfig"]
    wrong = [f"{_name(p)}:{where}" for p in _production() for where in _raw_switch_reads(p)]
    assert not wrong, "accept_shrink read from the raw run config (use orchestration.resources.run_admission):\n" \
        + "\n".join(wrong)


def test_only_the_readers_list_the_landing():
    """Which files deliver a feed is `readers.feed_files`' answer; the sensor's scan (ingestion/landing.py)
    lists the year folders and asks the readers for the files."""
    found = {f for p in _production() for f in _landing_listings(p)}
    assert found <= LANDING_LISTERS, f"the landing listed outside ingestion/readers.py: {sorted(found - LANDING_LISTERS)}"


def test_the_gate_checkers_see_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def scan(landing, context):\n"
        "    ok = schools_delivered(landing, 2024)\n"
        "    op = context.run.run_config['ops']['ingest_schools']['config'].get('accept_shrink')\n"
        "    return [p for p in landing.iterdir()], ok, op\n"
        "def fine(context):\n"
        "    return run_admission(context.run.run_config)\n", encoding="utf-8")
    assert _gate_parts_called(bad) == ["2: schools_delivered"]
    assert _raw_switch_reads(bad) == ["3: 'accept_shrink'", "3: .run_config"]
    assert _landing_listings(bad) == ["bad.py:scan"]

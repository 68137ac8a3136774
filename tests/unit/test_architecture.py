"""The layout follows the data flow, and imports only go downstream (docs/architecture.md):

    core → ingestion → synthetic | equity → expectations → publication → orchestration

A package may import its own modules and any package of a lower layer, never one of its own layer
or above; lazy imports inside functions count too. Only orchestration/ imports Dagster.
"""

import ast
import re
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


# Constants and twins (issue 27, item 3): each has one home, and the docs say where.
PIPELINE = ("core", "ingestion", "equity", "expectations", "publication", "orchestration")  # not synthetic/
ORACLES = {"validate_reference"}  # test oracles: kept in tests/, imported by the tests and the benchmark only
WAREHOUSE_FILES = {"junheng.duckdb", "published.duckdb"}
SCHOOL_RULE_VARS = {"school_rule_min_passing", "school_rule_floor_ratio"}
SCHOOL_RULE_ARGS = {"min_passing", "floor_ratio"}
PUBLICATION_READERS = {"orchestration/resources.py", "orchestration/cli.py", "orchestration/assets/ingestion.py", "orchestration/assets/publish.py",
                       "orchestration/assets/dbt.py", "orchestration/checks.py", "orchestration/assets/reports.py",
                       "orchestration/automation.py"}
RUN_TAGS = {"dagster/partition", "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"}


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _oracle_imports(path: Path) -> list[str]:
    out = []
    for n in ast.walk(_tree(path)):
        names = []
        if isinstance(n, ast.Import):
            names = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            names = [n.module or ""] + [f"{n.module}.{a.name}" for a in n.names]
        out += [f"{n.lineno}: {name}" for name in names if set(name.split(".")) & ORACLES]
    return out


def _file_names(path: Path) -> list[str]:
    """Where the module spells a warehouse file's name as a value (prose in docstrings and help is no value)."""
    return [f"{line}: {v!r}" for line, v in _strings(_tree(path))
            if " " not in v and any(v == f or v.endswith("/" + f) for f in WAREHOUSE_FILES)]


def _school_rule_literals(path: Path) -> list[str]:
    """The school rule's parameters spelled in Python: their dbt var names, a number given for one of them
    (a default, a keyword), or a share compared with 0.85."""
    tree = _tree(path)
    out = [f"{line}: {v}" for line, v in _strings(tree) if v in SCHOOL_RULE_VARS]
    for n in ast.walk(tree):
        if isinstance(n, ast.arguments):
            args = [*n.posonlyargs, *n.args][-len(n.defaults):] if n.defaults else []
            pairs = list(zip(args, n.defaults, strict=True)) + list(zip(n.kwonlyargs, n.kw_defaults, strict=True))
            out += [f"{d.lineno}: {a.arg}={d.value}" for a, d in pairs
                    if a.arg in SCHOOL_RULE_ARGS and isinstance(d, ast.Constant) and d.value is not None]
        elif isinstance(n, ast.keyword) and n.arg in SCHOOL_RULE_ARGS and isinstance(n.value, ast.Constant):
            out.append(f"{n.value.lineno}: {n.arg}={n.value.value}")
        elif isinstance(n, ast.Compare):
            out += [f"{c.lineno}: compared with {c.value}" for c in [n.left, *n.comparators]
                    if isinstance(c, ast.Constant) and c.value == 0.85]
    return out


def _levels_defined(path: Path) -> list[str]:
    """Module-level LEVELS bound to a tuple or list (contract.py's LEVELS is the spellings of a level, a dict)."""
    return [f"{_name(path)}:{n.lineno}" for n in _tree(path).body
            if isinstance(n, ast.Assign | ast.AnnAssign) and isinstance(n.value, ast.Tuple | ast.List)
            and any(getattr(t, "id", "") == "LEVELS" for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]


def test_test_oracles_live_with_the_tests():
    """validate_reference.py (the pandas validation the SQL one is held to) is a test oracle: in tests/,
    imported by nothing the pipeline runs."""
    assert (ROOT / "tests" / "validate_reference.py").is_file()
    assert not (ROOT / "ingestion" / "validate_reference.py").exists()
    wrong = [f"{_name(p)}:{w}" for package in LAYERS for p in _modules(package) for w in _oracle_imports(p)]
    assert not wrong, "a test oracle imported outside tests/ and benchmarks/:\n" + "\n".join(wrong)
    assert _oracle_imports(ROOT / "tests" / "validate_equivalence.py"), "the checker no longer sees the import"


def test_no_step_of_the_pipeline_imports_synthetic():
    """Only the CLI's `generate` and `demo` commands build synthetic feeds, inside the commands
    (docs/architecture.md); no asset, check, sensor, schedule or other layer imports synthetic/."""
    found = {}
    for package in PIPELINE:
        for p in _modules(package):
            tree = _tree(p)
            top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
            at_top = {line for n in top for line, name in _imports_of(n) if name == "synthetic"}
            lazy = {(f.name, line) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                    for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)
                    for line, name in _imports_of(n) if name == "synthetic"}
            if at_top or lazy:
                found[_name(p)] = (at_top, {name for name, _ in lazy})
    assert found == {"orchestration/cli.py": (set(), {"cmd_generate", "cmd_demo"})}, found


def _imports_of(node: ast.AST) -> list[tuple[int, str]]:
    if isinstance(node, ast.Import):
        return [(node.lineno, a.name.split(".")[0]) for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [(node.lineno, node.module.split(".")[0])]
    return []


def test_levels_are_defined_once():
    found = [w.split(":")[0] for p in _production() for w in _levels_defined(p)]
    assert found == ["core/settings.py"]


def test_the_warehouse_files_are_named_once():
    """`junheng.duckdb` and `published.duckdb` are Settings' (core/settings.py); the CLI, the resources and
    the benchmark ask it (dbt's profiles.yml adds the working file to the same directory)."""
    wrong = [f"{_name(p)}:{w}" for p in _production() if p != ROOT / "core" / "settings.py" for w in _file_names(p)]
    assert not wrong, "a warehouse file named outside core/settings.py:\n" + "\n".join(wrong)
    assert len(_file_names(ROOT / "core" / "settings.py")) == 2


def test_the_school_rule_parameters_are_read_in_one_place():
    """Their home is the dbt vars; Python reads them through core.settings.school_rule only: no default,
    keyword or comparison spells 6 or 0.85 (the planner, the roadmap step, the reports)."""
    home = ROOT / "core" / "settings.py"
    checked = [p for package in (*PIPELINE, "benchmarks") for p in _modules(package)]  # synthetic/'s numbers are its own
    wrong = [f"{_name(p)}:{w}" for p in checked if p != home for w in _school_rule_literals(p)]
    assert not wrong, "the school rule's parameters spelled outside core/settings.py:\n" + "\n".join(wrong)
    assert {w.split(": ")[1] for w in _school_rule_literals(home)} == SCHOOL_RULE_VARS


def test_the_publication_is_read_by_the_named_readers_only():
    """docs/architecture.md names who reads published.duckdb besides the publish step: the gate (the
    schools step, the publish step), the marts run, the timeline check, the reports step, and the CLI
    (resources.py: where the path is made)."""
    readers = {_name(p) for p in _production() for n in ast.walk(_tree(p))
               if isinstance(n, ast.Attribute) and n.attr == "published_db" and isinstance(n.ctx, ast.Load)}
    assert readers <= PUBLICATION_READERS, sorted(readers - PUBLICATION_READERS)
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for said in ("admission gate", "marts run", "timeline_inputs_match_publication", "reports step", "landing sensor"):
        assert said in doc


def test_a_runs_tags_are_read_in_one_place():
    """The years of a run come from its tags through orchestration/partitions.py (`run_years`,
    `range_tags`) for every step, check and the CLI."""
    home = {ROOT / "orchestration" / "partitions.py"}
    wrong = [f"{_name(p)}:{line}" for p in _production() if p not in home
             for line, v in _strings(_tree(p)) if v in RUN_TAGS]
    assert not wrong, "a run's tags read outside orchestration/partitions.py:\n" + "\n".join(wrong)


def _named_files(text: str) -> set[str]:
    """File and folder names in `backticks` that look like paths (a / or a file extension), without
    placeholders (<year>) or globs."""
    out = set()
    for token in re.findall(r"`([^`\s]+)`", text):
        token = token.rstrip("/")
        if re.search(r"[<>*{}|:]", token) or not re.search(r"/|\.(py|sql|yml|yaml|csv|md|json|j2)$", token):
            continue
        out.add(token)
    return out


def _repo_paths() -> set[str]:
    skip = {".git", ".venv", "target", "dbt_packages", "bench_cache", "warehouse", "logs", "__pycache__",
            "junheng.egg-info", "node_modules"}
    out = set()
    for p in ROOT.rglob("*"):
        rel = p.relative_to(ROOT)
        if not set(rel.parts) & skip:
            out.add(rel.as_posix())
    return out


def test_every_file_the_architecture_names_exists():
    """docs/architecture.md and the dbt macros' comments name files that exist (a path may be given
    from any folder: `seeds/standards.csv`, `int_unit_costs.sql`)."""
    paths = _repo_paths()
    texts = {"docs/architecture.md": (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")}
    texts |= {_name(p): p.read_text(encoding="utf-8") for p in sorted((ROOT / "dbt_project" / "macros").glob("*.sql"))}
    missing = []
    for where, text in texts.items():
        named = _named_files(text) if where.endswith(".md") else set(re.findall(r"[\w/]+/[\w.]+\.sql", text))
        missing += [f"{where}: {t}" for t in sorted(named)
                    if not any(p == t or p.endswith("/" + t) for p in paths)]
    assert not missing, "named but not found:\n" + "\n".join(missing)


def test_the_constant_checkers_see_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from tests import validate_reference\n"
        "LEVELS = ('primary', 'junior')\n"
        "DB = 'published.duckdb'\n"
        "def plan(units, *, min_passing=6, floor_ratio: float = 0.85):\n"
        "    return f'{units}/junheng.duckdb', share < 0.85, verify(units, floor_ratio=0.85)\n"
        "HELP = 'read <warehouse>/published.duckdb'\n", encoding="utf-8")
    assert _oracle_imports(bad) == ["1: tests.validate_reference"]
    assert _levels_defined(bad) == ["bad.py:2"]
    assert _file_names(bad) == ["3: 'published.duckdb'", "5: '/junheng.duckdb'"]
    assert sorted(_school_rule_literals(bad)) == ["4: floor_ratio=0.85", "4: min_passing=6", "5: compared with 0.85",
                                                  "5: floor_ratio=0.85"]
    assert _named_files("`macros/school_rule.sql`, `tests/plan_passes.sql`, `<year>/x.csv`, `dbt build`") == {
        "macros/school_rule.sql", "tests/plan_passes.sql"}

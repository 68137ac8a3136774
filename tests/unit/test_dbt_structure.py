"""The dbt project gives no dbt-project-evaluator finding (rules restated in tests/dbt_rules.py)."""

import copy
import json

from core.settings import DBT_PROJECT_DIR
from tests.dbt_rules import findings


def _manifest() -> dict:
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_the_project_has_no_evaluator_finding(dbt_manifest):
    assert findings(_manifest()) == {}


def test_the_rules_catch_a_mart_reading_a_source_and_a_wide_join(dbt_manifest):
    m = copy.deepcopy(_manifest())
    mart = next(k for k, n in m["nodes"].items() if n["resource_type"] == "model" and n["name"] == "mart_county_readiness")
    sources = list(m["sources"])[:2]
    m["nodes"][mart]["depends_on"]["nodes"] += sources
    models = [k for k, n in m["nodes"].items() if n["resource_type"] == "model"][:8]
    m["nodes"][mart]["depends_on"]["nodes"] += models
    found = findings(m)
    assert "fct_marts_or_intermediate_dependent_on_source" in found
    assert "fct_multiple_sources_joined" in found
    assert "fct_too_many_joins" in found


LAYER_OF_PREFIX = {"stg": "staging", "int": "intermediate", "fct": "marts", "dim": "marts", "mart": "marts"}


def _models(m: dict) -> dict[str, dict]:
    return {n["name"]: n for n in m["nodes"].values() if n["resource_type"] == "model" and n["package_name"] == "junheng"}


def test_the_folders_are_the_layers(dbt_manifest):
    """models/<layer>/…: a model's top folder is the layer its name says, and a staging model sits in
    models/staging/<source>/ and is named stg_<source>__… after the one source it reads."""
    m = _manifest()
    wrong = []
    for name, n in _models(m).items():
        parts = n["original_file_path"].split("/")  # models/<layer>/…/<name>.sql
        if parts[1] != LAYER_OF_PREFIX[name.split("_")[0]]:
            wrong.append(n["original_file_path"])
        if parts[1] == "staging":
            sources = {m["sources"][s]["source_name"] for s in n["depends_on"]["nodes"] if s.startswith("source.")}
            if sources != {parts[2]} or not name.startswith(f"stg_{parts[2]}__") or len(parts) != 4:
                wrong.append(f"{n['original_file_path']} reads {sorted(sources)}")
    assert not wrong, "models outside their layer's folder:\n" + "\n".join(sorted(wrong))


def _descendants(m: dict, roots: set[str]) -> set[str]:
    """Every model downstream of `roots` (unique ids), walked over the manifest's depends_on."""
    children: dict[str, set[str]] = {}
    for uid, n in m["nodes"].items():
        if n["resource_type"] == "model":
            for p in n["depends_on"]["nodes"]:
                children.setdefault(p, set()).add(uid)
    seen, todo = set(), list(roots)
    while todo:
        for c in children.get(todo.pop(), ()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return seen


def test_the_two_dbt_runs_split_the_project_around_the_python_steps(dbt_manifest):
    """The Dagster steps dbt_indicators and dbt_marts (selected by graph and tag, not by folder) build
    every seed and model once between them; what reads a table the Python steps write (source
    `equity`) is built after those steps, what the Python steps read before them, and every published
    table and the timetable in the second run, where the checks and the publication follow."""
    from orchestration.assets.dbt import dbt_indicators, dbt_marts
    from orchestration.definitions import defs

    m = _manifest()
    first = {k.to_user_string() for k in dbt_indicators.keys}
    second = {k.to_user_string() for k in dbt_marts.keys}
    project = {n["name"] for n in m["nodes"].values()
               if n["resource_type"] in ("model", "seed") and n["package_name"] == "junheng"}
    assert not first & second
    assert first | second == project

    equity = {uid for uid, s in m["sources"].items() if s["source_name"] == "equity"}
    after_python = {m["nodes"][uid]["name"] for uid in _descendants(m, equity)}
    assert after_python and after_python <= second, sorted(after_python - second)

    graph = defs.resolve_asset_graph()
    python_steps = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "equity"]
    read_by_python = {p.to_user_string() for k in python_steps for p in graph.get(k).parent_keys} & project
    assert read_by_python and read_by_python <= first, sorted(read_by_python - first)

    models = _models(m)
    published = {name for name, n in models.items() if (n["config"].get("meta") or {}).get("junheng", {}).get("published")}
    timeline = {name for name, n in models.items() if "timeline" in n["original_file_path"].split("/")}
    assert published and published <= second, sorted(published - second)
    assert timeline and timeline <= second, sorted(timeline - second)


def test_the_steps_found_copied_have_one_home(dbt_manifest):
    """Issue 27: the seven quarantine staging models were copies (now one macro, each model a call
    naming its feed); three county items summed the teachers each (now int_county_teachers); two
    marts restated the roadmap's planned levels (now the macro roadmap_planned_levels)."""
    m = _manifest()
    models = _models(m)
    quarantine = {s["name"].removeprefix("quarantine_") for s in m["sources"].values()
                  if s["source_name"] == "landing" and s["name"].startswith("quarantine_")}
    assert len(quarantine) == 7
    for feed in quarantine:
        n = models[f"stg_landing__quarantine_{feed}"]
        code = "\n".join(line for line in n["raw_code"].splitlines() if not line.startswith("--")).strip()
        assert code == f"{{{{ stg_quarantine('{feed}') }}}}", n["original_file_path"]

    readers = {name for name, n in models.items() if "model.junheng.stg_census__teachers" in n["depends_on"]["nodes"]}
    assert readers == {"int_school_units", "int_county_teachers"}, sorted(readers)

    for name in ("mart_school_roadmap", "mart_county_cost_curve"):
        assert "macro.junheng.roadmap_planned_levels" in models[name]["depends_on"]["macros"], name

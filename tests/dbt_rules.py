"""A hand-written check of dbt-project-evaluator's rules (its default thresholds) over dbt's
manifest. The package cannot be installed offline, so its rules are restated here from its
documentation; the project's exceptions are the ones argued in dbt_project.yml's
`dbt_project_evaluator` vars (the `mart_` prefix, the compound-key test, the coefficient table).
"""

import os
import re


def _evaluator_vars() -> dict:
    import yaml

    from core.settings import DBT_PROJECT_DIR

    doc = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return doc["vars"]["dbt_project_evaluator"]


def findings(m: dict) -> dict[str, list]:
    """Rule → offending nodes; empty when the project follows every rule."""
    PFX = {
        "stg_": "staging",
        "int_": "intermediate",
        "fct_": "marts",
        "dim_": "marts",
        "mart_": "marts",
        "rpt_": "other",
    }
    FOLD = ["staging", "intermediate", "marts"]
    models = {
        k: v
        for k, v in m["nodes"].items()
        if v["resource_type"] == "model" and v["package_name"] == "junheng"
    }
    seeds = {k: v for k, v in m["nodes"].items() if v["resource_type"] == "seed"}
    tests = {k: v for k, v in m["nodes"].items() if v["resource_type"] == "test"}
    sources = m["sources"]
    exposures = m.get("exposures", {})
    EXCL = _evaluator_vars()["exclude_paths_from_project"]

    def src_excluded(s):
        return any(re.search(p, f"{s['original_file_path']}:{s['source_name']}.{s['name']}") for p in EXCL)

    def mtype(n):
        name = n["name"]
        p = name.split("_")[0] + "_"
        if p in PFX:
            return PFX[p]
        return folder_type(n) or "other"

    def folder_type(n):
        d = "/" + os.path.dirname(n["original_file_path"]) + "/"
        best = None
        pos = 0
        for f in FOLD:
            i = d.find("/" + f + "/")
            if i >= 0 and i + 1 > pos:
                pos, best = i + 1, f
        return best

    parents = {
        k: [p for p in v["depends_on"]["nodes"] if not p.startswith("test.")]
        for k, v in {**models, **exposures}.items()
    }
    children = {}
    for c, ps in parents.items():
        for p in ps:
            children.setdefault(p, set()).add(c)
    def name(u):
        if u.startswith("source."):
            return sources[u]["source_name"] + "." + sources[u]["name"]
        return (m["nodes"].get(u) or sources.get(u) or exposures.get(u))["name"]

    def typ(u):
        return u.split(".")[0]

    F = {}

    def add(rule, x):
        F.setdefault(rule, []).append(x)

    for k, n in models.items():
        ps = parents[k]
        srcs = [p for p in ps if typ(p) == "source"]
        mods = [p for p in ps if typ(p) == "model"]
        t = mtype(n)
        if srcs and mods:
            add("fct_direct_join_to_source", n["name"])
        if srcs and t in ("marts", "intermediate"):
            add("fct_marts_or_intermediate_dependent_on_source", n["name"])
        if len(srcs) > 1:
            add("fct_multiple_sources_joined", n["name"])
        if not ps:
            add("fct_root_models", n["name"])
        if t == "staging" and any(
            typ(p) == "model" and mtype(models[p]) in ("marts", "intermediate") for p in mods
        ):
            add("fct_staging_dependent_on_marts_or_intermediate", n["name"])
        if t == "staging" and any(typ(p) == "model" and mtype(models[p]) == "staging" for p in mods):
            add("fct_staging_dependent_on_staging", n["name"])
        if len(set(ps)) >= 7:
            add("fct_too_many_joins", (n["name"], len(set(ps))))
        code = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|--[^\n]*", "", n["raw_code"], flags=re.S)
        if re.search(r'(?i)\b(from|join)\s+[\w"`]+\.[\w"`]+', code):
            add("fct_hard_coded_references", n["name"])
        # naming / directories
        p = n["name"].split("_")[0] + "_"
        if p not in PFX:
            add("fct_model_naming_conventions", n["name"])
        ft = folder_type(n)
        if ft and ft != t:
            add("fct_model_directories", (n["name"], t, ft))
        if t == "staging":
            for s in srcs:
                if sources[s]["source_name"] not in os.path.dirname(n["original_file_path"]):
                    add("fct_model_directories", (n["name"], "not under source", sources[s]["source_name"]))
        if not n.get("description"):
            add("fct_undocumented_models", n["name"])
        # governance
        if n.get("access") == "public":
            if not n["config"]["contract"]["enforced"]:
                add("fct_public_models_without_contract", n["name"])
            if not all(c.get("description") for c in n["columns"].values()) or not n["columns"]:
                add("fct_undocumented_public_models", n["name"])
    # fanout: leaf = model without any children
    for p in list(models) + list(seeds) + list(sources):
        leaf = [c for c in children.get(p, ()) if typ(c) == "model" and not children.get(c)]
        if len(leaf) >= 3:
            add("fct_model_fanout", (name(p), sorted(name(c) for c in leaf)))
    # rejoining
    for c in parents:
        for p in parents[c]:
            for mid in parents[c]:
                if mid != p and p in parents.get(mid, []) and len(children.get(mid, ())) == 1:
                    add("fct_rejoining_of_upstream_concepts", (name(p), name(mid), name(c)))
    # sources
    for s, n in sources.items():
        kids = children.get(s, set())
        if src_excluded(n):
            continue
        if not kids:
            add("fct_unused_sources", name(s))
        if len(kids) > 1:
            add("fct_source_fanout", (name(s), sorted(name(k) for k in kids)))
        if not n.get("description"):
            add("fct_undocumented_source_tables", name(s))
        if not n.get("source_description"):
            add("fct_undocumented_sources", name(s))
        if n["source_name"] not in n["original_file_path"]:
            add("fct_source_directories", name(s))
        fr = n.get("freshness") or {}
        if not ((fr.get("warn_after") or {}).get("count") or (fr.get("error_after") or {}).get("count")):
            add("fct_sources_without_freshness", name(s))
    locs = {}
    for s, n in sources.items():
        key = (n["database"], n["schema"], n["identifier"])
        locs.setdefault(key, []).append(name(s))
    for v in locs.values():
        if len(v) > 1:
            add("fct_duplicate_sources", v)
    # tests
    tested = {}
    pk = set()
    for n in tests.values():
        for p in n["depends_on"]["nodes"]:
            if p in models:
                tested.setdefault(p, []).append(n)
                if "macro.junheng.test_unique_combination" in n["depends_on"]["macros"]:
                    pk.add(p)
                if os.path.dirname(n["original_file_path"]) != os.path.dirname(
                    models[p]["original_file_path"]
                ):
                    add("fct_test_directories", (n["name"], n["original_file_path"]))
    for k, n in models.items():
        if k not in tested:
            add("fct_test_coverage (untested)", n["name"])
        if k not in pk:
            cols = {}
            for t in tested.get(k, []):
                cn = t.get("column_name")
                for mac in ("macro.dbt.test_unique", "macro.dbt.test_not_null"):
                    if mac in t["depends_on"]["macros"]:
                        cols.setdefault(cn, set()).add(mac)
            if not any(len(v) == 2 for v in cols.values()):
                add("fct_missing_primary_key_tests", n["name"])

    # chained views (threshold 4): longest chain of non-physical models ending in a model
    def is_view(u):
        return typ(u) == "model" and models[u]["config"]["materialized"] in ("view", "ephemeral")

    def chain(u):
        return max([1 + chain(p) for p in parents.get(u, []) if is_view(p)] or [0])

    for k in models:
        if chain(k) > 4:
            add("fct_chained_views_dependencies", (models[k]["name"], chain(k)))
    for e, n in exposures.items():
        for p in parents[e]:
            if typ(p) == "source" or models[p]["config"]["materialized"] not in ("table", "incremental"):
                add("fct_exposure_parents_materializations", (n["name"], name(p)))
            if typ(p) == "model" and models[p].get("access") != "public":
                add("fct_exposures_dependent_on_private_models", (n["name"], name(p)))
    return F

"""The Dagster code location loads, with every asset, check and the year job, without parsing dbt."""

import time

import dagster as dg


def test_definitions_load_with_the_whole_graph():
    started = time.monotonic()
    from orchestration.definitions import YEAR_JOB, defs

    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    for feed in ("schools", "enrollment", "teachers", "facilities", "finance", "county_finance", "county_submission"):
        assert f"raw_{feed}" in keys and f"quarantine_{feed}" in keys
    for name in ("int_school_units", "int_school_unit_indicators", "county_coefficients", "fct_school_unit_indicators",
                 "fct_county_coefficients", "mart_county_level_resources", "mart_county_readiness", "published_marts"):
        assert name in keys
    job = defs.resolve_job_def(YEAR_JOB)
    assert job.partitions_def is not None and "2024" in job.partitions_def.get_partition_keys()
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert {"gx_feed_schools", "gx_mart_county_readiness", "students_reconcile_with_raw"} <= checks
    assert time.monotonic() - started < 30  # generous: the real figure is in `make bench`


def test_publish_is_downstream_of_every_mart_and_check_target():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey("published_marts")).parent_keys
    assert {dg.AssetKey(t) for t in ("fct_school_unit_indicators", "fct_county_coefficients",
                                     "mart_county_level_resources", "mart_county_readiness")} <= upstream


def test_the_reports_follow_the_publication_in_the_year_job():
    from orchestration.definitions import YEAR_JOB, defs

    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("published_reports")).parent_keys == {dg.AssetKey("published_marts")}
    job_keys = {k.to_user_string() for k in defs.resolve_job_def(YEAR_JOB).asset_layer.executable_asset_keys}
    assert {"published_marts", "published_reports"} <= job_keys


def test_metadata_of_a_range_names_each_year_and_of_one_year_stays_plain():
    from orchestration.partitions import per_year

    assert per_year({2024: {"rows": 5}}) == {"rows": 5}
    assert per_year({2023: {"rows": 4}, 2024: {"rows": 5}}) == {"rows (2023)": 4, "rows (2024)": 5}


def test_the_ui_opens_without_the_newsletter_prompt():
    import yaml

    from core.settings import REPO_ROOT
    from orchestration.environment import DAGSTER_YAML

    for text in (DAGSTER_YAML, (REPO_ROOT / "orchestration" / "dagster.yaml").read_text(encoding="utf-8")):
        config = yaml.safe_load(text)
        assert config["nux"] == {"enabled": False} and config["telemetry"] == {"enabled": False}


def test_generic_tests_pass_their_arguments_under_arguments():
    """dbt 1.11 deprecates top-level test arguments (41 warnings on every dbt call before)."""
    import yaml

    from core.settings import DBT_PROJECT_DIR

    config_keys = {"name", "config", "severity", "where", "limit", "warn_if", "error_if", "tags", "meta",
                   "description", "store_failures", "enabled", "arguments", "column_name"}
    found = []

    def visit(node):
        if isinstance(node, dict):
            for key in ("data_tests", "tests"):
                for test in node.get(key) or []:
                    if isinstance(test, dict):
                        ((name, body),) = test.items()
                        if isinstance(body, dict) and set(body) - config_keys:
                            found.append((name, sorted(set(body) - config_keys)))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    files = list((DBT_PROJECT_DIR / "models").rglob("*.yml"))
    assert files
    for path in files:
        visit(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert found == []


def test_the_optional_certification_feed_is_loaded_checked_and_read_by_its_staging_model():
    """county_certification (评估认定进程) gets its ingestion asset like every feed — raw and quarantine
    tables, a blocking suite check — and the dbt source maps to it, so its staging model follows the load."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw_county_certification", "quarantine_county_certification"} <= keys
    checks = {(k.asset_key.to_user_string(), k.name): graph.get(k) for k in graph.asset_check_keys}
    check = checks.get(("raw_county_certification", "gx_feed_county_certification"))
    assert check is not None and check.blocking
    staging = next(k for k in graph.get_all_asset_keys() if k.path[-1] == "stg_landing__county_certification")
    assert dg.AssetKey("raw_county_certification") in graph.get(staging).parent_keys


def test_every_check_says_what_it_protects():
    """The Dagster UI shows a check's description under its name: none says "No description provided",
    and a dbt test's says what it checks on which columns (issue 32: 125 of 154 had none)."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    specs = {key: graph.get_check_spec(key) for key in graph.asset_check_keys}
    assert len(specs) > 150
    missing = sorted(k.to_user_string() for k, s in specs.items() if not (s.description or "").strip())
    assert not missing, f"checks without a description: {missing}"
    words = {k.name: s.description for k, s in specs.items()}
    # two read by hand from the dbt YAML: the readiness status codes, the item gaps' grain
    status = next(d for n, d in words.items() if n.startswith("accepted_values_mart_county_readiness_status"))
    assert "status" in status and "ready / not_ready / incomplete" in status
    assert words["unique_combination_int_county_item_gaps_year__county_code__item_code"] == \
        "int_county_item_gaps: one row per year, county_code, item_code: no key appears twice"
    assert all("\n" not in d and len(d) < 400 for d in words.values())


def test_the_dbt_resource_skips_what_it_does_not_use_and_notices_an_upgrade():
    """JunhengDbtCli overrides two private members of dagster-dbt's resource (the dbt version through a
    child process, an in-process adapter per command): they must still exist in the pinned dagster-dbt,
    or the override is dead and the ≈ 7 s a run it saves come back unnoticed."""
    import importlib.metadata

    from dagster_dbt import DbtCliResource

    from core.settings import Settings
    from orchestration.definitions import build_definitions
    from orchestration.resources import JunhengDbtCli

    for name in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert name in vars(DbtCliResource), f"dagster-dbt no longer has DbtCliResource.{name}"
    dbt = build_definitions(Settings.from_env()).resources["dbt"]
    assert isinstance(dbt, JunhengDbtCli)
    assert str(dbt._cli_version) == importlib.metadata.version("dbt-core")
    assert dbt._initialize_dbt_core_adapter(["build"]) is None

"""The whole graph on small synthetic feeds: the worked example through the CLI, idempotency,
quarantine → incomplete, and publication gated by every check (the last good file survives)."""

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthetic import build_feeds, write_demo_plan
from tests import worked_example
from tests.integration.helpers import content_hash, published, run, working, write_feeds

B5_SQL = ("select cv from fct_county_coefficients where ruleset = 'basic_2012' and level = 'primary' "
          "and indicator_code = 'B5' and county_code = ?")


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_cli_publishes_the_worked_example_b5_coefficient(worked_example_cli):
    """The worked example through `junheng run` (the session's fixture, tests/integration/conftest.py)."""
    proc, wh = worked_example_cli, worked_example_cli.wh
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "210302" in proc.stdout and "0.515" in proc.stdout and "published.duckdb" in proc.stdout
    cv = published(wh, B5_SQL, [worked_example.COUNTY])["cv"].item()
    assert abs(cv - 0.5153) < 0.0005


def test_gb18030_chinese_headers_xlsx_and_parquet_give_the_same_result(worked_example_cli):
    proc, wh = worked_example_cli, worked_example_cli.wh
    assert proc.returncode == 0, proc.stderr[-3000:]
    loads = working(wh, "select feed, status from feed_loads where year = 2024").set_index("feed")["status"]
    assert (loads[["schools", "enrollment", "teachers", "facilities"]] == "loaded").all(), loads
    cv = published(wh, B5_SQL, [worked_example.COUNTY])["cv"].item()
    assert abs(cv - 0.5153) < 0.0005


@pytest.fixture(scope="module")
def demo_frames():
    return build_feeds(counties=9, year=2024, seed=0)


@pytest.fixture(scope="module")
def good_run(demo_published):
    """(landing, warehouse) holding one good publication of the demo's years 2018–2024, run as one
    range (the session's, tests/integration/conftest.py: read only, copied to be changed). Its 2024
    feeds are `demo_frames`."""
    return demo_published


@pytest.fixture(scope="module")
def rerun(good_run, tmp_path_factory):
    """A copy of good_run's warehouse after 2023, a year published between two others, is run again
    over the same feeds."""
    landing, wh = good_run
    copy = tmp_path_factory.mktemp("rerun") / "wh"
    shutil.copytree(wh, copy)
    outcome = run(landing, copy, year=2023)
    assert outcome.success, outcome.problems
    return copy


def test_run_twice_gives_identical_marts(good_run, rerun):
    _, wh = good_run
    assert content_hash(rerun) == content_hash(wh)
    log = published(rerun, "select * from publication_log order by published_at")
    assert len(log) == 2 and log["run_id"].nunique() == 2
    assert log["years"].tolist() == [",".join(map(str, range(2018, 2025))), "2023"]


def test_demo_verdicts_differ_for_the_reasons_built_in(good_run):
    _, wh = good_run
    r = published(wh, "select county_code, ruleset, status, failing_items from mart_county_readiness where year = 2024")
    status = {(c, rs): s for c, rs, s, _ in r.itertuples(index=False)}
    failing = {(c, rs): f for c, rs, _, f in r.itertuples(index=False)}
    assert status[("210302", "moe_2017")] == "ready"
    # 铁西区: R2 coefficient above 0.50 fails the MoE per-indicator rule, the comprehensive one passes.
    assert status[("210303", "moe_2017")] == "not_ready" and failing[("210303", "moe_2017")] == "BALANCE"
    assert status[("210303", "anshan_2018")] == "ready"
    assert "R5" in failing[("210321", "moe_2017")]  # under-equipped village schools
    # 立山区 passes the resource dimension but fails on a guarantee item (teacher rotation)
    levels = published(wh, "select status from mart_county_level_resources where year = 2024 "
                           "and county_code = '210304' and ruleset = 'moe_2017'")
    assert (levels["status"] == "ready").all()
    assert failing[("210304", "moe_2017")] == "G11"


def _modify_and_run(good_run, tmp_path, demo_frames, change):
    landing, wh = good_run
    frames = {k: v.copy() for k, v in demo_frames.items()}
    change(frames)
    bad_landing = tmp_path / "landing"
    write_feeds(bad_landing, 2024, frames)
    write_demo_plan(bad_landing, 2024)  # delivered with 2024: without it the run stops at the feed gone
    copy = tmp_path / "wh"
    shutil.copytree(wh, copy)
    before = sha(copy / "published.duckdb")
    return run(bad_landing, copy), copy, before


@pytest.fixture(scope="module")
def redelivered(good_run, tmp_path_factory, demo_frames):
    """A copy of good_run's warehouse after 2024 is delivered again with two changes that touch
    different tables, so one run shows both: one 铁东区 (210302) primary school's pupil count is
    negative, and the optional unit_costs feed is delivered (Chinese headers; its second row, for
    高中, is outside compulsory education). Returns (outcome, warehouse, the school with the bad row)."""
    _, wh = good_run
    schools = demo_frames["schools"]
    victim = schools[(schools["county_code"] == "210302") & (schools["school_type"] == "小学")]["school_id"].iloc[0]
    frames = {k: v.copy() for k, v in demo_frames.items()}
    e = frames["enrollment"]
    e.loc[e["school_id"] == victim, "students"] = -5
    root = tmp_path_factory.mktemp("redelivered")
    folder = write_feeds(root / "landing", 2024, frames)
    write_demo_plan(root / "landing", 2024)
    pd.DataFrame({"学段": ["小学", "高中"], "指标代码": ["R2", "R2"], "单位成本(元)": [200000, 1]}).to_csv(
        folder / "unit_costs.csv", index=False)
    copy = root / "wh"
    shutil.copytree(wh, copy)
    return run(root / "landing", copy), copy, victim


def test_one_bad_row_is_quarantined_and_only_its_county_is_incomplete(redelivered):
    outcome, wh, victim = redelivered
    assert outcome.success, outcome.problems
    r = published(wh, "select county_code, status, blocking_reasons from mart_county_readiness "
                      "where ruleset = 'moe_2017' and year = 2024").set_index("county_code")
    assert r.loc["210302", "status"] == "incomplete"
    assert "quarantined" in r.loc["210302", "blocking_reasons"]
    assert (r.drop(index="210302")["status"] != "incomplete").all()
    coefs = published(wh, "select cv, cv_null_reason from fct_county_coefficients where county_code = '210302' and year = 2024")
    assert coefs["cv"].isna().all() and coefs["cv_null_reason"].str.contains("incomplete").all()
    import duckdb

    con = duckdb.connect(str(wh / "junheng.duckdb"), read_only=True)
    q = con.execute("select rule, column_name, key_value from quarantine_enrollment where year = 2024").df()
    con.close()
    assert "negative" in set(q["rule"]) and q["key_value"].str.startswith(victim).all()


def test_missing_required_column_fails_naming_file_and_column(good_run, tmp_path, demo_frames):
    outcome, wh, before = _modify_and_run(
        good_run, tmp_path, demo_frames, lambda f: f.__setitem__("enrollment", f["enrollment"].drop(columns="students")))
    assert not outcome.success
    text = " ".join(outcome.problems)
    assert "enrollment.csv" in text and "students" in text and "missing_column" in text
    assert sha(wh / "published.duckdb") == before


def test_a_failing_check_publishes_nothing_and_keeps_the_last_good_file(good_run, tmp_path, demo_frames):
    def change(frames):  # passes the row rules, but no compulsory school has 30 000 pupils: GX fails
        e = frames["enrollment"]
        e.loc[e.index[0], "students"] = 30000

    outcome, wh, before = _modify_and_run(good_run, tmp_path, demo_frames, change)
    assert not outcome.success
    assert any("gx_feed_enrollment" in p and "students" in p for p in outcome.problems), outcome.problems
    assert sha(wh / "published.duckdb") == before
    assert len(published(wh, "select * from publication_log")) == 1


def test_published_years_are_replaced_not_duplicated(good_run, rerun):
    _, wh = good_run
    years = published(rerun, "select year, count(*) n from mart_county_readiness group by year order by year")
    assert years["year"].tolist() == list(range(2018, 2025))
    assert years["n"].tolist() == [27] * 7  # 9 counties × 3 rule sets, once each
    pd.testing.assert_frame_equal(
        published(rerun, "select * from mart_county_level_resources where year = 2024 order by all"),
        published(wh, "select * from mart_county_level_resources where year = 2024 order by all"))


def test_every_published_column_is_in_the_data_dictionary(good_run):
    from publication.catalog import published_tables
    from publication.data_dictionary import PUBLICATION_LOG

    _, wh = good_run
    for t in published_tables():
        cols = published(wh, f"describe {t.name}")["column_name"].tolist()
        assert cols == [name for name, _ in t.columns], t.name
    assert published(wh, "describe publication_log")["column_name"].tolist() == list(PUBLICATION_LOG["columns"])


def _independent_measures(values: np.ndarray, pupils: np.ndarray, area: np.ndarray) -> dict:
    """Textbook formulas over the pupils (each unit's value repeated by its pupils), written here. `area`:
    each unit's area of the three-way split (the default since issue 26): 城区 / 镇区 / 乡村."""
    rural = area == "乡村"
    mu = np.average(values, weights=pupils)
    diffs = np.abs(values[:, None] - values[None, :])
    gini = (pupils[:, None] * pupils[None, :] * diffs).sum() / (2 * pupils.sum() ** 2 * mu)
    theil_t = np.average(values / mu * np.log(values / mu), weights=pupils)
    between = sum(pupils[m].sum() * np.average(values[m], weights=pupils[m]) / (pupils.sum() * mu)
                  * np.log(np.average(values[m], weights=pupils[m]) / mu)
                  for m in (area == a for a in ("城区", "镇区", "乡村")) if m.any())
    everyone = np.sort(np.repeat(values, pupils.astype(int)))
    half = len(everyone) / 2
    median = everyone[int(np.ceil(half)) - 1]
    below = everyone[: int(half)].sum() + (half - int(half)) * everyone[int(half)]
    parity = np.average(values[rural], weights=pupils[rural]) / np.average(values[~rural], weights=pupils[~rural])
    return {"gini": gini, "theil_t": theil_t, "theil_t_between": between, "mcloone": below / (median * half),
            "urban_rural_parity": parity, "theil_t_between_share": between / theil_t}


def test_published_equity_measures_match_textbook_formulas(good_run, demo_frames):
    """fct_county_equity_measures for a county with town and village schools, every indicator, against
    formulas written here over the published unit values and the schools feed's urban/rural codes; the
    between part splits 城区 (11x), 镇区 (12x) and 乡村 (2xx)."""
    _, wh = good_run
    area = demo_frames["schools"].set_index("school_id")["urban_rural"].astype(str)
    got = published(wh, "select * from fct_county_equity_measures where year = 2024 and ruleset = 'moe_2017'")
    units = published(wh, "select county_code, level, indicator_code, school_id, students, value "
                          "from fct_school_unit_indicators where year = 2024 and ruleset = 'moe_2017'")
    code = units["school_id"].map(area)
    units["rural"] = code.str.startswith("2")
    units["area"] = np.where(code.str.startswith("11"), "城区", np.where(code.str.startswith("12"), "镇区", "乡村"))
    mixed = units.groupby(["county_code", "level"])["rural"].agg(lambda r: 0 < r.sum() < len(r))
    checked = 0
    for (county, level), ok in mixed.items():
        if not ok:
            continue
        for code, g in units[(units.county_code == county) & (units.level == level)].groupby("indicator_code"):
            g = g[g.students > 0]
            if (g.value <= 0).any():
                continue
            want = _independent_measures(g.value.to_numpy(float), g.students.to_numpy(float), g.area.to_numpy())
            row = got[(got.county_code == county) & (got.level == level) & (got.indicator_code == code)].iloc[0]
            for k, v in want.items():
                assert row[k] == pytest.approx(v, rel=1e-9, abs=1e-12), (county, level, code, k)
            assert row["theil_t_between"] + row["theil_t_within"] == pytest.approx(row["theil_t"], rel=1e-12)
            assert row["area_split"] == "three_way"
            checked += 1
    assert checked >= 20


def test_every_published_plan_passes_when_applied_and_evaluated_here(good_run):
    """Apply mart_school_roadmap's gains to the published unit values and judge the result with the
    school rule (≥ 6 of 7 at the threshold, every other ≥ 85 %) and a weighted CV written here: every
    county level's plan passes; the additions are whole teachers and rooms and cost what they say."""
    _, wh = good_run
    units = published(wh, "select year, ruleset, county_code, level, school_id, indicator_code, students, value, "
                          "threshold from fct_school_unit_indicators where year = 2024 and ruleset = 'moe_2017' "
                          "and students > 0")
    plan = published(wh, "select * from mart_school_roadmap where year = 2024 and ruleset = 'moe_2017'")
    caps = {"primary": 0.50, "junior": 0.45}  # evaluation-method.md §4
    scale = {"R1": 100, "R2": 100, "R3": 100, "R7": 100}  # per 100 students; others per student
    assert len(plan) > 0 and (plan["addition"] >= 0).all()
    whole = plan["unit"].isin(["teachers", "rooms"])
    assert (plan.loc[whole, "addition"] == plan.loc[whole, "addition"].round()).all()
    assert np.allclose(plan["cost_yuan"], plan["addition"] * plan["unit_cost_yuan"])
    gains = plan.set_index(["school_id", "level", "indicator_code"])["unit_gain"]
    key = pd.MultiIndex.from_frame(units[["school_id", "level", "indicator_code"]])
    gain = pd.Series(gains.reindex(key).fillna(0.0).to_numpy(), index=units.index)
    units["planned"] = units["value"] + gain * units["indicator_code"].map(scale).fillna(1) / units["students"]
    units["ok"] = units["planned"] >= units["threshold"] - 1e-9
    units["near"] = units["planned"] >= 0.85 * units["threshold"] - 1e-9
    rule = units.groupby(["county_code", "level", "school_id"]).agg(ok=("ok", "sum"), near=("near", "all"))
    assert ((rule["ok"] >= 6) & rule["near"]).all(), rule[(rule["ok"] < 6) | ~rule["near"]].head()
    for (county, level, code), g in units.groupby(["county_code", "level", "indicator_code"]):
        mean = np.average(g["planned"], weights=g["students"])
        cv = np.sqrt(np.average((g["planned"] - mean) ** 2, weights=g["students"])) / mean
        assert cv <= caps[level] + 1e-9, (county, level, code, cv)
    passes = published(wh, "select plan_passes from mart_county_roadmap where year = 2024")["plan_passes"]
    assert passes.notna().any() and passes.dropna().all()


def test_a_delivered_unit_cost_replaces_the_default_and_prices_the_plan(redelivered):
    """The optional unit_costs feed (Chinese headers): its row replaces the seed's default for its year
    and names itself as the source; the roadmap is priced with it; a row for a level outside
    compulsory education is quarantined, naming the column and rule."""
    outcome, wcopy, _ = redelivered
    assert outcome.success, outcome.problems
    costs = published(wcopy, "select * from dim_unit_costs where year = 2024 and indicator_code = 'R2' "
                             "order by level")
    primary = costs[costs.level == "primary"].iloc[0]
    assert primary["cost_yuan"] == 200000 and primary["source"].startswith("feed unit_costs 2024")
    assert costs[costs.level == "junior"].iloc[0]["cost_yuan"] == 120000  # the seed's default
    plan = published(wcopy, "select addition, cost_yuan, owner_cost_yuan, unit_cost_yuan from mart_school_roadmap "
                            "where year = 2024 and level = 'primary' and indicator_code = 'R2' and addition > 0")
    assert len(plan) > 0 and (plan["unit_cost_yuan"] == 200000).all()
    # the county's money, or a private school's owner's (民办: one of the two is 0)
    assert np.allclose(plan["cost_yuan"] + plan["owner_cost_yuan"], plan["addition"] * 200000)
    bad = working(wcopy, "select column_name, rule from quarantine_unit_costs where year = 2024")
    assert bad.to_dict("records") == [{"column_name": "level", "rule": "invalid_value"}]


def test_item_rows_of_the_roadmap_say_what_each_failing_item_lacks(good_run):
    """Outside the resource dimension: every failing or unknown item has a row and an action; the
    class-size item's gap is the classes to add, Σ over schools and stages of max(0, ⌈students ÷ 45
    (primary) / 50 (junior)⌉ − classes), from the county's feed."""
    landing, wh = good_run
    items = published(wh, "select county_code, item_code, status from fct_county_items where year = 2024 "
                          "and ruleset = 'moe_2017' and dimension <> 'resource' and status in ('fail', 'unknown')")
    rows = published(wh, "select * from mart_county_item_roadmap where year = 2024 and ruleset = 'moe_2017'")
    assert len(items) > 0
    assert set(zip(rows.county_code, rows.item_code, rows.status, strict=True)) == \
        set(zip(items.county_code, items.item_code, items.status, strict=True))
    assert rows["action"].notna().all()
    assert rows.loc[rows.status == "unknown", "action"].str.startswith("evidence to submit").all()
    schools = pd.read_csv(landing / "2024" / "schools.csv", dtype=str)
    enrol = pd.read_csv(landing / "2024" / "enrollment.csv", dtype={"school_id": str})
    enrol = enrol.merge(schools[["school_id", "county_code"]], on="school_id")
    enrol["stage"] = enrol["stage"].replace({"小学": "primary", "初中": "junior"})  # the feed's Chinese labels
    special = set(schools.loc[schools.school_type == "特殊教育学校", "school_id"])
    enrol = enrol[enrol.stage.isin(["primary", "junior"]) & ~enrol.school_id.isin(special)]
    limit = enrol.stage.map({"primary": 45, "junior": 50})
    enrol["to_add"] = (-(-enrol.students // limit) - enrol.classes).clip(lower=0)
    to_add = enrol.groupby("county_code")["to_add"].sum()
    g5 = rows[rows.item_code == "G5"]
    assert len(g5) > 0 and to_add.gt(0).any()  # the loop below has rows, and some county has classes to add
    for r in g5.itertuples():
        assert r.gap == to_add[r.county_code] and r.gap_unit == "classes to add"
    # money by kind: a cost counted in yuan a year (G8's pay gap) is recurring; no cost, no kind
    assert (rows["cost_kind"].isna() == rows["cost_yuan"].isna()).all()
    assert (rows.loc[rows.gap_unit == "yuan a year", "cost_kind"].dropna() == "recurring").all()


TEACHER_INDICATORS = {"R1", "R2", "R3", "B6", "B7", "B8"}  # a teacher a year: recurring money
SPLIT = ["one_off_cost_yuan", "recurring_cost_yuan_per_year"]
LEVEL_SPLIT = ["level_one_off_cost_yuan", "level_recurring_cost_yuan_per_year"]


def test_plan_costs_are_split_into_one_off_and_recurring_money(good_run):
    """Money by kind (roadmap.md §1): teachers are paid every year, building, ground, equipment, rooms,
    computers and books once. Every cost of the roadmap marts is given as the two parts, which add up
    to it exactly; a level's parts are what its schools' rows of each kind cost."""
    _, wh = good_run
    roadmap = published(wh, "select * from mart_county_roadmap where year = 2024")
    costed = roadmap[roadmap["cost_yuan"].notna()]
    assert len(costed) > 0 and roadmap.loc[roadmap["cost_yuan"].isna(), SPLIT].isna().all().all()
    assert (costed[SPLIT[0]] + costed[SPLIT[1]] == costed["cost_yuan"]).all()
    teacher, single = costed["indicator_code"].isin(TEACHER_INDICATORS), costed["indicator_code"] != "COMPREHENSIVE"
    assert (costed.loc[teacher, "one_off_cost_yuan"] == 0).all()
    assert (costed.loc[single & ~teacher, "recurring_cost_yuan_per_year"] == 0).all()
    keys = ["ruleset", "county_code", "level"]
    levels = roadmap.dropna(subset=["level_cost_yuan"]).drop_duplicates(keys).set_index(keys)
    assert (levels[LEVEL_SPLIT[0]] + levels[LEVEL_SPLIT[1]] == levels["level_cost_yuan"]).all()
    assert (levels[LEVEL_SPLIT] > 0).any().all()  # the demo's plans hire teachers and build
    schools = published(wh, "select * from mart_school_roadmap where year = 2024")
    paid = schools["cost_yuan"] + schools["owner_cost_yuan"] > 0  # the county's or a private school's owner's
    want = np.where(schools["indicator_code"].isin(TEACHER_INDICATORS), "recurring", "one_off")
    assert (schools.loc[paid, "cost_kind"] == want[paid.to_numpy()]).all()
    assert schools.loc[~paid, "cost_kind"].isna().all()
    by_kind = schools[paid].groupby([*keys, "cost_kind"])["cost_yuan"].sum().unstack(fill_value=0.0)
    by_kind = by_kind.reindex(levels.index, fill_value=0.0)
    assert np.allclose(levels[LEVEL_SPLIT[0]], by_kind.get("one_off", 0.0), rtol=1e-9)
    assert np.allclose(levels[LEVEL_SPLIT[1]], by_kind.get("recurring", 0.0), rtol=1e-9)
    curve = published(wh, "select * from mart_county_cost_curve where year = 2024")
    assert len(curve) > 0 and (curve[SPLIT[0]] + curve[SPLIT[1]] == curve["cost_yuan"]).all()
    kinds = published(wh, "select distinct indicator_code, cost_kind from dim_unit_costs")
    assert kinds["indicator_code"].is_unique and dict(zip(kinds["indicator_code"], kinds["cost_kind"], strict=True)) == {
        code: "recurring" if code in TEACHER_INDICATORS else "one_off" for code in kinds["indicator_code"]}


def test_a_private_schools_additions_are_its_owners_outside_the_countys_cost(good_run):
    """Private schools (民办, roadmap.md §1): the demo's plans add a teacher at a private school (铁西区,
    2019–2023). Every row of a school the census marks private is the owner's (funded_by owner, no
    county money, owner_cost_yuan = addition × unit cost), and each level's county cost is what its
    public schools' rows cost, its owners' cost what the private ones' cost, summed here from the rows."""
    _, wh = good_run
    rows = published(wh, "select r.*, coalesce(s.is_private, false) as private from mart_school_roadmap r "
                         "left join (select distinct year, school_id, is_private from fct_school_unit_indicators) s "
                         "using (year, school_id)")
    owners = rows[rows["private"]]
    assert (owners["addition"] > 0).any()
    assert (owners["funded_by"] == "owner").all() and (owners["cost_yuan"] == 0).all()
    assert np.allclose(owners["owner_cost_yuan"], owners["addition"] * owners["unit_cost_yuan"])
    assert (rows.loc[~rows["private"], "funded_by"] == "county").all()
    assert (rows.loc[~rows["private"], "owner_cost_yuan"] == 0).all()
    keys = ["year", "ruleset", "county_code", "level"]
    money = rows.assign(m=rows["addition"] * rows["unit_cost_yuan"])
    public = money[~money["private"]].groupby(keys)["m"].sum()
    private = money[money["private"]].groupby(keys)["m"].sum()
    levels = (published(wh, "select distinct year, ruleset, county_code, level, level_cost_yuan, "
                            "level_owner_cost_yuan from mart_county_roadmap where level_cost_yuan is not null")
              .set_index(keys))
    assert np.allclose(levels["level_cost_yuan"], public.reindex(levels.index, fill_value=0.0), rtol=1e-9)
    assert np.allclose(levels["level_owner_cost_yuan"], private.reindex(levels.index, fill_value=0.0), rtol=1e-9)
    assert (levels["level_owner_cost_yuan"] > 0).any()


def test_a_delivered_unit_cost_keeps_the_kind_of_its_indicator(redelivered):
    """The unit_costs feed delivers a figure, never a kind: R2, priced by the feed, stays a teacher-year."""
    outcome, wcopy, _ = redelivered
    assert outcome.success, outcome.problems
    r2 = published(wcopy, "select cost_yuan, cost_kind from dim_unit_costs where year = 2024 and level = 'primary' "
                          "and indicator_code = 'R2'")
    assert r2.to_dict("records") == [{"cost_yuan": 200000, "cost_kind": "recurring"}]
    plan = published(wcopy, "select cost_kind from mart_school_roadmap where year = 2024 and level = 'primary' "
                            "and indicator_code = 'R2' and addition > 0")
    assert len(plan) > 0 and (plan["cost_kind"] == "recurring").all()


# Which coefficient rows the rule sets judge (evaluation-method.md §4, seeds/rulesets.csv written out
# here): moe_2017 every indicator, anshan_2018 and basic_2012 the comprehensive coefficient alone.
JUDGED = {"moe_2017": "indicators", "anshan_2018": "COMPREHENSIVE", "basic_2012": "COMPREHENSIVE"}


def test_only_the_rows_a_rule_set_judges_decide_and_the_cli_marks_the_others(good_run):
    """fct_county_coefficients.decides_verdict on every row of every rule set, and the CLI's resource
    table: the coefficient a rule set does not judge is headed "(ref)", never a failure."""
    from publication.summary import readiness_table

    _, wh = good_run
    got = published(wh, "select ruleset, indicator_code, decides_verdict, count(*) as n from fct_county_coefficients "
                        "group by all order by all")
    assert set(got["ruleset"]) == set(JUDGED)
    for r in got.itertuples():
        judged = r.indicator_code == "COMPREHENSIVE" if JUDGED[r.ruleset] == "COMPREHENSIVE" \
            else r.indicator_code != "COMPREHENSIVE"
        assert r.decides_verdict == judged, r
    table = readiness_table(wh / "published.duckdb", 2024, "anshan_2018")
    assert "max CV (ref)" in table and "comp. CV (ref)" not in table
    table = readiness_table(wh / "published.duckdb", 2024, "moe_2017")
    assert "comp. CV (ref)" in table and "max CV (ref)" not in table


def test_the_roadmap_marks_the_rows_that_decide_and_the_plans_that_rest_on_private_owners(good_run):
    """mart_county_roadmap.decides_verdict as the rule sets judge (JUDGED above); and a level whose plan
    adds at a private school that already meets its standard (value_now ≥ threshold: no floor of its
    own) is marked plan_relies_on_owners — 铁西区 primary under moe_2017, 2019–2023, in the demo."""
    _, wh = good_run
    got = published(wh, "select ruleset, indicator_code, decides_verdict from mart_county_roadmap group by all")
    for r in got.itertuples():
        judged = r.indicator_code == "COMPREHENSIVE" if JUDGED[r.ruleset] == "COMPREHENSIVE" \
            else r.indicator_code != "COMPREHENSIVE"
        assert r.decides_verdict == judged, r
    beyond = published(wh, "select distinct year, ruleset, county_code, level from mart_school_roadmap "
                           "where funded_by = 'owner' and addition > 0 and value_now >= threshold")
    assert {(2021, "moe_2017", "210303", "primary")} <= set(beyond.itertuples(index=False, name=None))
    marked = published(wh, "select distinct year, ruleset, county_code, level from mart_county_roadmap "
                           "where plan_relies_on_owners")
    assert set(beyond.itertuples(index=False, name=None)) <= set(marked.itertuples(index=False, name=None))


def test_dim_county_names_the_demos_city_and_tells_its_two_development_zones(good_run):
    """The demo's nine units of 鞍山市 (synthetic/design.py): seven districts, counties and a county-level city,
    and the two development zones 210391 鞍山高新技术产业开发区 and 210392 鞍山经济开发区 (zone codes synthetic,
    told by their names), every year held."""
    _, wh = good_run
    dim = published(wh, "select year, county_code, city_name, province_name, is_development_zone from dim_county")
    assert sorted(dim["year"].unique().tolist()) == list(range(2018, 2025))
    assert set(dim["city_name"]) == {"鞍山市"} and set(dim["province_name"]) == {"辽宁省"}
    assert (dim.groupby("year").size() == 9).all()
    assert set(dim.loc[dim["is_development_zone"], "county_code"]) == {"210391", "210392"}

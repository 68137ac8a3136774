"""What a report shows, read from published.duckdb (read-only): one function per report section, each
returning plain rows (dicts) in the order the page shows them.

Every value comes from a published table (docs/data-dictionary.md); nothing here computes a verdict
or a figure of the method, it only selects, orders and groups. The one thing read besides: the school
rule's parameters (core.settings.school_rule), to say what the rule is and count a failing unit's
indicators below its floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.settings import LEVELS, school_rule


@contextmanager
def open_published(path: Path):
    """A read-only connection to a publication's DuckDB file."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no publication at {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | dict = ()) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _one(con, sql: str, params: Sequence | dict = ()) -> dict | None:
    found = rows(con, sql, params)
    return found[0] if found else None


@dataclass
class Publication:
    """The publication a report was made from: its id (the version folder's name), run and time."""
    id: str
    run_id: str
    published_at: str
    years: str
    rows_total: int
    checks_passed: int
    accepted_shrink: str | None
    history: list[dict] = field(default_factory=list)  # earlier publications of this file, newest first


def publication(con) -> Publication:
    """The last row of publication_log is the publication this file is (publish.py appends it)."""
    from publication.publish import version_id

    log = rows(con, "select published_at, run_id, years, rows_total, checks_passed, accepted_shrink "
                    "from publication_log order by published_at desc")
    if not log:
        raise ValueError("the file has no publication_log row: not a publication")
    last = log[0]
    return Publication(id=version_id(last["published_at"], last["run_id"]), run_id=last["run_id"],
                       published_at=f"{last['published_at']:%Y-%m-%d %H:%M:%S} UTC", years=last["years"],
                       rows_total=int(last["rows_total"] or 0), checks_passed=int(last["checks_passed"] or 0),
                       accepted_shrink=last["accepted_shrink"], history=log[1:6])


def years_held(con, ruleset: str) -> list[int]:
    return [r[0] for r in con.execute("select distinct year from mart_county_readiness where ruleset = ? "
                                      "order by 1", [ruleset]).fetchall()]


def counties(con, year: int, ruleset: str, city: str | None = None) -> list[dict]:
    """The counties (county-level units) held for a year, with their verdicts, in code order."""
    return rows(con, "select county_code, county_name, status, veto_triggered, failing_items, unknown_items "
                     "from mart_county_readiness where year = ? and ruleset = ? "
                     "and (? is null or starts_with(county_code, ?)) order by county_code",
                [year, ruleset, city, city])


def evaluation(con, ruleset: str) -> str | None:
    """The evaluation a rule set belongs to (high_quality / basic), as mart_county_readiness publishes it."""
    found = con.execute("select any_value(evaluation) from mart_county_readiness where ruleset = ?", [ruleset]).fetchone()
    return found[0] if found else None


def synthetic(con, year: int) -> bool:
    found = con.execute("select bool_or(is_synthetic) from mart_county_readiness where year = ?", [year]).fetchone()
    return bool(found and found[0])


# ---- the county report, section by section ------------------------------------------------------

def verdict(con, year: int, ruleset: str, county: str) -> dict | None:
    """mart_county_readiness's row, its items split into what blocks (vetoes first) and the dimension counts."""
    head = _one(con, "select * from mart_county_readiness where year = ? and ruleset = ? and county_code = ?",
                [year, ruleset, county])
    if head is None:
        return None
    blocking = rows(con, "select item_code, dimension, name_zh, name_en, status, value, standard, detail "
                         "from fct_county_items where year = ? and ruleset = ? and county_code = ? "
                         "and status in ('fail', 'unknown') "
                         "order by status = 'unknown', dimension <> 'veto', sort_order, item_code",
                    [year, ruleset, county])
    dims = ("resource", "guarantee", "quality", "recognition", "veto", "prerequisite")
    head["dimensions"] = [{"dimension": d, "pass": head[f"{d}_pass"] or 0, "fail": head[f"{d}_fail"] or 0,
                           "unknown": head[f"{d}_unknown"] or 0} for d in dims
                          if (head[f"{d}_pass"] or 0) + (head[f"{d}_fail"] or 0) + (head[f"{d}_unknown"] or 0)]
    head["failing"] = [b for b in blocking if b["status"] == "fail"]
    head["unknown"] = [b for b in blocking if b["status"] == "unknown"]
    head["reasons"] = [r.strip() for r in (head["blocking_reasons"] or "").split(" | ") if r.strip()]
    return head


def item_names(con, ruleset: str, county: str) -> dict[str, dict]:
    """Item code → name_zh / name_en, as fct_county_items publishes them (R1–R7 are items too)."""
    found = rows(con, "select item_code, any_value(name_zh) as name_zh, any_value(name_en) as name_en "
                      "from fct_county_items where ruleset = ? and county_code = ? group by item_code",
                 [ruleset, county])
    return {r["item_code"]: r for r in found}


def resource(con, year: int, ruleset: str, county: str) -> list[dict]:
    """Per level: mart_county_level_resources' row and each indicator's coefficient against its cap
    (fct_county_coefficients), the comprehensive one last."""
    names = item_names(con, ruleset, county)
    levels = rows(con, "select * from mart_county_level_resources where year = ? and ruleset = ? and county_code = ? "
                       "order by level desc", [year, ruleset, county])  # primary, then junior
    coefs = rows(con, "select level, indicator_code, n_units, students, weighted_mean, cv, cv_null_reason, cv_max, "
                      "within_cap, decides_verdict from fct_county_coefficients "
                      "where year = ? and ruleset = ? and county_code = ? "
                      "order by level, indicator_code = 'COMPREHENSIVE', indicator_code", [year, ruleset, county])
    for lv in levels:
        lv["indicators"] = []
        for c in coefs:
            if c["level"] != lv["level"]:
                continue
            name = names.get(c["indicator_code"], {})
            lv["indicators"].append({**c, "name_zh": name.get("name_zh"), "name_en": name.get("name_en")})
    return levels


def failing_units(con, year: int, ruleset: str, county: str) -> dict:
    """School units that fail the school rule (at least min_passing of R1–R7 reach the threshold, every
    other reaches floor_ratio of it), and those it cannot judge, each with every indicator's value against
    its threshold (fct_school_unit_indicators) and how many of its indicators miss (misses) and are below
    the floor (below_floor); with the rule's min_passing and floor_percent, for the page to say."""
    rule = school_rule()
    found = rows(con, "select school_id, school_name, school_type, urban_rural, level, students, indicator_code, "
                      "value, threshold, passes, share_of_threshold, unit_passes_school_rule "
                      "from fct_school_unit_indicators where year = ? and ruleset = ? and county_code = ? "
                      "and (unit_passes_school_rule is null or not unit_passes_school_rule) "
                      "order by level desc, unit_passes_school_rule nulls last, school_id, indicator_code",
                 [year, ruleset, county])
    totals = rows(con, "select level, count(distinct school_id) as units from fct_school_unit_indicators "
                       "where year = ? and ruleset = ? and county_code = ? group by level order by level desc",
                  [year, ruleset, county])
    units: dict[tuple, dict] = {}
    codes: list[str] = []
    for r in found:
        key = (r["level"], r["school_id"])
        unit = units.setdefault(key, {k: r[k] for k in ("school_id", "school_name", "school_type", "urban_rural",
                                                       "level", "students", "unit_passes_school_rule")}
                                | {"values": {}, "misses": 0, "below_floor": 0})
        unit["values"][r["indicator_code"]] = r
        if r["passes"] is False:
            unit["misses"] += 1
            if r["share_of_threshold"] is not None and r["share_of_threshold"] < rule.floor_ratio:
                unit["below_floor"] += 1
        if r["indicator_code"] not in codes:
            codes.append(r["indicator_code"])
    has_rule = con.execute("select bool_or(school_rule_applies) from mart_county_roadmap where year = ? "
                           "and ruleset = ? and county_code = ?", [year, ruleset, county]).fetchone()[0]
    return {"units": list(units.values()), "codes": sorted(codes, key=lambda c: (len(c), c)),
            "totals": totals, "rule_applies": has_rule is not False,
            "min_passing": rule.min_passing, "floor_percent": f"{rule.floor_ratio * 100:g}"}


def items(con, year: int, ruleset: str, county: str) -> list[dict]:
    """Every item of the evaluation with its status, value, standard, source, detail and evidence."""
    return rows(con, "select * from fct_county_items where year = ? and ruleset = ? and county_code = ? "
                     "order by sort_order, item_code", [year, ruleset, county])


def roadmap(con, year: int, ruleset: str, county: str) -> dict:
    """The least-cost plan: per level and indicator (mart_county_roadmap), school by school
    (mart_school_roadmap), the other items (mart_county_item_roadmap) and the cost curve."""
    indicators = rows(con, "select * from mart_county_roadmap where year = ? and ruleset = ? and county_code = ? "
                           "order by level desc, indicator_code = 'COMPREHENSIVE', indicator_code",
                      [year, ruleset, county])
    schools = rows(con, "select * from mart_school_roadmap where year = ? and ruleset = ? and county_code = ? "
                        "and (addition > 0 or unit_gain > 0) "
                        "order by cost_yuan desc, level desc, school_id, indicator_code", [year, ruleset, county])
    other = rows(con, "select * from mart_county_item_roadmap where year = ? and ruleset = ? and county_code = ? "
                      "order by dimension = 'veto' desc, item_code", [year, ruleset, county])
    curve = rows(con, "select * from mart_county_cost_curve where year = ? and ruleset = ? and county_code = ? "
                      "order by level desc, target_step", [year, ruleset, county])
    # the data to check before planning (摸清底数): units far beyond the county's median and the standard
    # the names from the county's own rows: an unfiltered distinct over fct_school_unit_indicators read the
    # national table for every page (326 s of reports for a national year, 116 s before it)
    check_first = rows(con, "select d.*, s.school_name from mart_data_plausibility d left join (select distinct "
                            "year, ruleset, school_id, school_name from fct_school_unit_indicators "
                            "where year = $year and ruleset = $ruleset and county_code = $county) s "
                            "using (year, ruleset, school_id) where d.year = $year and d.ruleset = $ruleset "
                            "and d.county_code = $county order by d.level desc, d.indicator_code, d.value desc",
                       {"year": year, "ruleset": ruleset, "county": county})
    levels: dict[str, dict] = {}
    for r in indicators:
        lv = levels.setdefault(r["level"], {"level": r["level"], "status_now": r["status_now"], "cost": r["level_cost_yuan"],
                                            "one_off": r.get("level_one_off_cost_yuan"),
                                            "recurring": r.get("level_recurring_cost_yuan_per_year"),
                                            "owner": r.get("level_owner_cost_yuan"),
                                            "owner_one_off": r.get("level_owner_one_off_cost_yuan"),
                                            "owner_recurring": r.get("level_owner_recurring_cost_yuan_per_year"),
                                            "relies_on_owners": r.get("plan_relies_on_owners"),
                                            "plan_passes": r["plan_passes"], "plan_note": r["plan_note"],
                                            "balance_rule": r["balance_rule"], "indicators": []})
        over_cap = r["cv_now"] is not None and r["cap"] is not None and r["cv_now"] > r["cap"]
        decides = r["indicator_code"] == "COMPREHENSIVE" and r["balance_rule"] == "comprehensive"
        over_cap = over_cap and r.get("decides_verdict") is not False  # a row the rule set does not judge
        if (r["cost_yuan"] or 0) > 0 or (r.get("owner_cost_yuan") or 0) > 0 or over_cap or decides:
            lv["indicators"].append(r)
    # what to add where: one entry per school, its additions (and the gains a split school's other
    # level receives from them), most costly school first; a private school's (民办) apart, as its
    # owner's duty at the owner's cost, outside the county's (roadmap.md §1)
    by_school: dict[str, dict] = {}
    for r in schools:
        owner = r.get("funded_by") == "owner"
        school = by_school.setdefault(r["school_id"], {"school_id": r["school_id"], "school_name": r["school_name"],
                                                       "levels": [], "cost": 0.0, "one_off": 0.0, "recurring": 0.0,
                                                       "additions": [], "owner": owner})
        if r["level"] not in school["levels"]:
            school["levels"].append(r["level"])
        money = (r.get("owner_cost_yuan") if owner else r["cost_yuan"]) or 0
        school["cost"] += money
        kind = "recurring" if r.get("cost_kind") == "recurring" else "one_off"
        school[kind] += money
        school["additions"].append(r)
    ranked = sorted(by_school.values(), key=lambda x: (-x["cost"], x["school_id"]))
    owner_schools = [s for s in ranked if s["owner"]]
    ranked = [s for s in ranked if not s["owner"]]
    resource_cost = sum(lv["cost"] or 0 for lv in levels.values())
    one_off = sum(lv["one_off"] or 0 for lv in levels.values())
    recurring = sum(lv["recurring"] or 0 for lv in levels.values())
    items_cost = sum(r["cost_yuan"] or 0 for r in other)
    owner_cost = sum(lv["owner"] or 0 for lv in levels.values())
    owner_one_off = sum(lv["owner_one_off"] or 0 for lv in levels.values())
    owner_recurring = sum(lv["owner_recurring"] or 0 for lv in levels.values())
    return {"levels": list(levels.values()), "schools": ranked, "other": other, "curve": curve, "check_first": check_first,
            "resource_cost": resource_cost, "one_off": one_off, "recurring": recurring, "items_cost": items_cost,
            "owner_schools": owner_schools, "owner_cost": owner_cost, "owner_one_off": owner_one_off,
            "owner_recurring": owner_recurring}


def timetable(con, ruleset: str, county: str) -> dict:
    """The timetable across years, as of the county's latest year: mart_county_timetable's row, the
    blocking measures' trends with their yearly values, and the verdict of every year held."""
    row = _one(con, "select * from mart_county_timetable where ruleset = ? and county_code = ?", [ruleset, county])
    trends = rows(con, "select * from mart_county_measure_trends where ruleset = ? and county_code = ? "
                       "order by level desc, measure, indicator_code", [ruleset, county])
    for t in trends:
        if t["measure"] == "cv":
            t["series"] = [(r[0], r[1]) for r in con.execute(
                "select year, cv from fct_county_coefficients where ruleset = ? and county_code = ? and level = ? "
                "and indicator_code = ? and cv is not null order by year",
                [ruleset, county, t["level"], t["indicator_code"]]).fetchall()]
        else:  # the school rule's shortfall, as the trend was fitted on it
            t["series"] = [(int(y), float(v)) for y, v in (p.split("=") for p in (t["yearly_values"] or "").split(";") if p)]
    history = rows(con, "select year, status, failing_items, unknown_items, veto_triggered from mart_county_readiness "
                        "where ruleset = ? and county_code = ? order by year", [ruleset, county])
    return {"row": row, "trends": trends, "history": history}


def equity(con, year: int, ruleset: str, county: str) -> dict:
    """The town–village split of the spread (fct_county_equity_measures) and how many units are in each area."""
    measures = rows(con, "select level, indicator_code, n_units, students, gini, theil_t, theil_t_between, "
                         "theil_t_between_share, urban_rural_parity, null_reason from fct_county_equity_measures "
                         "where year = ? and ruleset = ? and county_code = ? order by level desc, indicator_code",
                    [year, ruleset, county])
    areas = rows(con, "select level, count(distinct school_id) filter (where urban_rural like '1%') as town, "
                      "count(distinct school_id) filter (where urban_rural like '2%') as village "
                      "from fct_school_unit_indicators where year = ? and ruleset = ? and county_code = ? "
                      "group by level order by level desc", [year, ruleset, county])
    split = [lv for lv in LEVELS if any(m["level"] == lv and m["theil_t_between_share"] is not None for m in measures)]
    # a level where no indicator splits (no village unit, data withheld): one line with the reason
    undefined = {lv: "; ".join(sorted({m["null_reason"] for m in measures if m["level"] == lv and m["null_reason"]}))
                 for lv in LEVELS if lv not in split and any(m["level"] == lv for m in measures)}
    return {"measures": measures, "areas": areas, "split_levels": split, "undefined": undefined}


def ledger(con, ruleset: str, county: str) -> list[dict]:
    """The rectification ledger (整改台账): open entries first, with school and item names."""
    return rows(con, """
        select l.*, s.school_name, i.name_zh
        from mart_rectification_ledger l
        left join (select school_id, arg_max(school_name, year) as school_name from fct_school_unit_indicators
                   where ruleset = $ruleset and county_code = $county group by school_id) s
            on s.school_id = l.school_id
        left join (select item_code, any_value(name_zh) as name_zh from fct_county_items
                   where ruleset = $ruleset and county_code = $county group by item_code) i
            on i.item_code = l.code
        where l.ruleset = $ruleset and l.county_code = $county
        order by l.status = 'fixed', l.entry_kind = 'school_indicator', l.last_failing_year desc,
                 l.school_id nulls first, l.code""", {"ruleset": ruleset, "county": county})


def completeness(con, year: int, ruleset: str, county: str) -> dict:
    """What the verdict rests on: quarantined rows, unknown items, units with a value missing,
    coefficients withheld, and the year's feeds (feed_inventory)."""
    head = _one(con, "select quarantined_rows, items_unknown, unknown_items, disagreements, disagreement_text "
                     "from mart_county_readiness where year = ? and ruleset = ? and county_code = ?",
                [year, ruleset, county]) or {}
    levels = rows(con, "select level, units_total, units_unknown, quarantined_rows from mart_county_level_resources "
                       "where year = ? and ruleset = ? and county_code = ? order by level desc", [year, ruleset, county])
    withheld = rows(con, "select level, indicator_code, cv_null_reason, county_incomplete from fct_county_coefficients "
                         "where year = ? and ruleset = ? and county_code = ? and cv is null "
                         "order by level desc, indicator_code", [year, ruleset, county])
    unknown = rows(con, "select item_code, name_zh, source, detail from fct_county_items where year = ? and ruleset = ? "
                        "and county_code = ? and status = 'unknown' order by sort_order", [year, ruleset, county])
    feeds = rows(con, "select feed, rows_delivered, students, source_file from feed_inventory where year = ? "
                      "order by feed", [year])
    return {**head, "levels": levels, "withheld": withheld, "unknown": unknown, "feeds": feeds}


# ---- the city overview ---------------------------------------------------------------------------

def city(con, year: int, ruleset: str, code: str) -> dict:
    """A city's counties in a year — verdict, blocking items (vetoes first), the year's plan cost, the
    timetable — with the city's progress by year and the milestones of the city, its province and
    the country."""
    counties_ = rows(con, """
        with blocking as (
            select county_code, string_agg(item_code, ', ' order by dimension <> 'veto', sort_order) as items
            from fct_county_items where year = $year and ruleset = $ruleset and status = 'fail'
            group by county_code),
        plan as (
            select county_code, sum(level_cost) as resource_cost
            from (select county_code, level, max(level_cost_yuan) as level_cost from mart_county_roadmap
                  where year = $year and ruleset = $ruleset group by county_code, level)
            group by county_code),
        other as (
            select county_code, count(*) as other_items, sum(cost_yuan) as other_cost
            from mart_county_item_roadmap where year = $year and ruleset = $ruleset group by county_code)
        select r.county_code, r.county_name, r.status, r.veto_triggered, r.items_fail, r.items_unknown,
               r.unknown_items, b.items as blocking_items, p.resource_cost, o.other_items, o.other_cost,
               t.planned_year, t.projected_ready_year, t.projection_reason, t.timetable_status, t.status_reason,
               t.first_ready_year, t.as_of_year, t.budget_yuan_per_year
        from mart_county_readiness r
        left join blocking b on b.county_code = r.county_code
        left join plan p on p.county_code = r.county_code
        left join other o on o.county_code = r.county_code
        left join mart_county_timetable t on t.ruleset = r.ruleset and t.county_code = r.county_code
        where r.year = $year and r.ruleset = $ruleset and starts_with(r.county_code, $city)
        order by r.county_code""", {"year": year, "ruleset": ruleset, "city": code})
    progress = rows(con, "select * from mart_city_progress where ruleset = ? and scope_level = 'city' "
                         "and scope_code = ? order by year", [ruleset, code])
    milestones = rows(con, "select * from mart_milestones where ruleset = ? and scope_code in (?, ?, 'CN') "
                           "order by scope_level = 'city' desc, scope_level = 'province' desc, milestone_year",
                      [ruleset, code, code[:2]])
    status = {s: sum(1 for c in counties_ if c["status"] == s) for s in ("ready", "not_ready", "incomplete")}
    return {"code": code, "counties": counties_, "progress": progress, "milestones": milestones, "count": status,
            "resource_cost": sum(c["resource_cost"] or 0 for c in counties_)}

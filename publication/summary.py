"""What the CLI prints, read only from published.duckdb: the county verdicts and the resource
dimension by level, as aligned text tables (Chinese characters count two columns)."""

from __future__ import annotations

import unicodedata
from pathlib import Path


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, n: int) -> str:
    return s + " " * max(0, n - _width(s))


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) if rows else _width(h) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _cv(x) -> str:
    return "—" if x is None or x != x else f"{x:.3f}"


def _judged(balance_rule: str | None) -> str:
    return {"per_indicator": "every indicator's coefficient is judged against its cap",
            "comprehensive": "the comprehensive coefficient is judged against the cap"}.get(str(balance_rule),
                                                                                          "balance rule unknown")


def _short(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def readiness_table(published: Path, year: int, ruleset: str) -> str:
    """The county verdicts (every item) and the resource dimension by level, as printed tables."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        counties = con.execute(
            "select county_code, county_name, status, items_total - items_fail - items_unknown, items_fail, "
            "items_unknown, failing_items, unknown_items, blocking_reasons, veto_triggered, disagreements "
            "from mart_county_readiness where year = ? and ruleset = ? order by county_code",
            [year, ruleset]).fetchall()
        levels = con.execute(
            "select county_code, county_name, level, status, max_cv, comprehensive_cv, units_failing, units_total, "
            "blocking_reasons from mart_county_level_resources where year = ? and ruleset = ? "
            "order by county_code, level desc", [year, ruleset]).fetchall()
        rule = con.execute("select any_value(balance_rule) from mart_county_level_resources where ruleset = ?",
                           [ruleset]).fetchone()[0]
        synthetic = con.execute(
            "select bool_or(is_synthetic) from mart_county_readiness where year = ?", [year]).fetchone()[0]
    finally:
        con.close()
    label = "  [SYNTHETIC DATA — generated, not real schools]" if synthetic else ""
    verdicts = []
    for code, name, status, n_pass, n_fail, n_unknown, failing, unknown, reasons, veto, disagree in counties:
        blocking = ", ".join(x for x in (failing, f"unknown: {unknown}" if unknown else None) if x) or "—"
        verdicts.append([code, name, status + (" (veto)" if veto else ""), f"{n_pass or 0}/{n_fail or 0}/{n_unknown or 0}",
                         _short(blocking, 40), _short(reasons if status != "ready" else "", 80)
                         + (f" [{disagree} disagreement(s)]" if disagree else "")])
    out = [f"County verdicts {year}, rule set {ruleset} (every item: resource, guarantee, quality, "
           f"recognition, vetoes, prerequisite){label}",
           format_table(["county", "name", "verdict", "pass/fail/unk", "blocking items", "first reasons"], verdicts),
           "", f"Resource dimension by level, {ruleset} ({_judged(rule)}; a coefficient marked (ref) is shown for "
               "reference and decides nothing)",
           format_table(["county", "name", "level", "status", "max CV" + (" (ref)" if rule == "comprehensive" else ""),
                         "comp. CV" + (" (ref)" if rule == "per_indicator" else ""), "failing units", "reasons"],
                        [[c, n, lvl, st, _cv(mx), _cv(comp), f"{int(f or 0)}/{int(t or 0)}", _short(r, 70)]
                         for c, n, lvl, st, mx, comp, f, t, r in levels])]
    return "\n".join(out)




def _share(x) -> str:
    return "—" if x is None or x != x else f"{100 * x:.0f}%"


def equity_table(published: Path, year: int, ruleset: str) -> str:
    """Per county level: the share of each indicator's Theil T that lies between town and village
    schools (fct_county_equity_measures.theil_t_between_share), and the village/town parity of the
    lowest one."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            "select e.county_code, any_value(r.county_name), e.level, "
            "list(e.theil_t_between_share order by e.indicator_code), list(e.indicator_code order by e.indicator_code), "
            "min(e.urban_rural_parity), any_value(e.area_split) "
            "from fct_county_equity_measures e join mart_county_readiness r "
            "on r.year = e.year and r.ruleset = e.ruleset and r.county_code = e.county_code "
            "where e.year = ? and e.ruleset = ? group by e.county_code, e.level "
            "order by e.county_code, e.level desc", [year, ruleset]).fetchall()
    finally:
        con.close()
    if not rows:
        return ""
    codes = rows[0][4]
    areas = "城区, 镇区 and 乡村" if rows[0][6] == "three_way" else "城镇 and 乡村"
    body = [[code, name, level, *(_share(x) for x in shares), _cv(parity)]
            for code, name, level, shares, _, parity, _ in rows]
    return "\n".join([
        f"Town–village split of the spread (share of Theil T between {areas} schools), {ruleset}",
        format_table(["county", "name", "level", *codes, "min parity"], body)])


def _yuan(x: float) -> str:
    return f"¥{x / 1e6:,.2f} M" if x >= 1e5 else f"¥{x:,.0f}"


def roadmap_lines(published: Path, year: int, ruleset: str) -> str:
    """One line per county that is not ready: the least-cost plan of its resource dimension (cost,
    what to add, where), from mart_county_roadmap and mart_school_roadmap."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        counties = con.execute(
            "select county_code, county_name from mart_county_readiness "
            "where year = ? and ruleset = ? and status = 'not_ready' order by county_code", [year, ruleset]).fetchall()
        parts = con.execute(
            "select r.county_code, r.level, r.indicator_code, sum(r.addition) as added, any_value(r.unit), "
            "count(distinct r.school_id) filter (where r.addition > 0), sum(r.cost_yuan), any_value(r.cost_kind) "
            "from mart_school_roadmap r where r.year = ? and r.ruleset = ? and r.addition > 0 "
            "and r.funded_by = 'county' "
            "group by all order by r.county_code, sum(r.cost_yuan) desc", [year, ruleset]).fetchall()
        # private schools (民办): their additions are their owners' duty, outside the county's cost
        owners = {code: (n, one_off, recurring) for code, n, one_off, recurring in con.execute(
            "select county_code, count(distinct school_id), "
            "coalesce(sum(owner_cost_yuan) filter (where cost_kind <> 'recurring'), 0), "
            "coalesce(sum(owner_cost_yuan) filter (where cost_kind = 'recurring'), 0) "
            "from mart_school_roadmap where year = ? and ruleset = ? and addition > 0 and funded_by = 'owner' "
            "group by 1", [year, ruleset]).fetchall()}
        item_rows = con.execute(
            "select county_code, item_code, action from mart_county_item_roadmap where year = ? and ruleset = ? "
            "order by county_code, item_code", [year, ruleset]).fetchall()
    finally:
        con.close()
    by_county: dict[str, list] = {}
    for code, level, indicator, added, unit, schools, cost, kind in parts:
        by_county.setdefault(code, []).append((level, indicator, added, unit, schools, cost, kind))
    actions: dict[str, list[str]] = {}
    for code, item, action in item_rows:
        actions.setdefault(code, []).append(f"{item}: {_short(action, 48)}")
    lines = [f"Roadmap {year}, {ruleset}: each not-ready county's least-cost resource plan, and its other items"]
    for code, name in counties:
        items = by_county.get(code, [])
        others = "; ".join(actions.get(code, []))
        owner = ""
        if code in owners:
            n, o_one_off, o_recurring = owners[code]
            o_money = " + ".join([*([f"{_yuan(o_one_off)} one-off"] if o_one_off else []),
                                  *([f"{_yuan(o_recurring)} a year"] if o_recurring else [])]) or _yuan(0)
            owner = f" | private schools' owners (not the county's cost): {o_money} at {n} school(s)"
        if not items and owner:
            lines.append(f"  {code} {name}: nothing for the county to add{owner}" + (f" | {others}" if others else ""))
            continue
        if not items:
            lines.append(f"  {code} {name}: no resource to add — {others or 'see fct_county_items'}")
            continue
        one_off = sum(i[5] for i in items if i[6] != "recurring")
        recurring = sum(i[5] for i in items if i[6] == "recurring")
        money = (f"{_yuan(one_off)} one-off + {_yuan(recurring)} a year" if one_off and recurring
                 else f"{_yuan(recurring)} a year" if recurring else f"{_yuan(one_off)} one-off")
        what = "; ".join(f"{lvl} {ind} +{added:,.0f} {unit} at {n} school(s)" for lvl, ind, added, unit, n, _, _ in items[:4])
        more = f"; … {len(items) - 4} more" if len(items) > 4 else ""
        lines.append(f"  {code} {name}: {money} — {what}{more}" + owner + (f" | {others}" if others else ""))
    return "\n".join(lines)



def timetable_tables(published: Path, ruleset: str, scope: str | None = None) -> str:
    """The timetable across years: each city's progress by year (mart_city_progress), the milestones
    (mart_milestones) and each county's timetable (mart_county_timetable). `scope`: a city code to
    show (default: every city held). Empty when the publication has no timetable yet."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        held = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if "mart_county_timetable" not in held:
            return ""
        progress = con.execute(
            "select scope_code, year, counties_total, counties_ready, counties_not_ready, counties_incomplete, "
            "share_ready from mart_city_progress where ruleset = ? and scope_level = 'city' "
            "and (? is null or scope_code = ?) order by scope_code, year", [ruleset, scope, scope]).fetchall()
        milestones = con.execute(
            "select scope_code, milestone_year, rule, n, stage, basis, counties_required, counties_certified, "
            "counties_ready, status, status_reason "
            "from mart_milestones where ruleset = ? and (? is null or scope_code = ?) "
            "order by scope_code, milestone_year", [ruleset, scope, scope]).fetchall()
        counties = con.execute(
            "select county_code, county_name, status_now, certification_stage, certified_year, committed_year, "
            "planned_year, dropped_from_plan, one_off_cost_yuan, recurring_cost_yuan_per_year, "
            "cost_per_year_left, budget_yuan_per_year, projected_ready_year, projection_reason, timetable_status "
            "from mart_county_timetable where ruleset = ? and (? is null or starts_with(county_code, ?)) "
            "order by county_code", [ruleset, scope, scope]).fetchall()
    finally:
        con.close()

    def year(y) -> str:
        return "—" if y is None else str(y)

    out = [f"City progress, {ruleset} (mart_city_progress)", format_table(
        ["city", "year", "counties", "ready", "not ready", "incomplete", "share ready"],
        [[c, str(y), str(t), str(r), str(n), str(i), f"{s:.0%}"] for c, y, t, r, n, i, s in progress])]
    def money(v) -> str:
        return "—" if v is None else _yuan(v)

    out += [f"\nMilestones, {ruleset} (mart_milestones; basis: certified = judged on county_certification, "
            "data_ready = on the data, which is not certification)", format_table(
        ["scope", "by", "rule", "stage", "basis", "required", "certified", "ready", "status", "why"],
        [[c, str(y), f"at least {n}" if rule == "at_least_n" else rule, stage, basis, str(req), str(cert),
          str(ready), st, _short(why, 60)]
         for c, y, rule, n, stage, basis, req, cert, ready, st, why in milestones])]
    out += [f"\nTimetable, {ruleset} (mart_county_timetable; money: one-off once, recurring every year; "
            "a year left = one-off ÷ years left + recurring)", format_table(
        ["county", "name", "now", "stage passed", "committed", "planned", "one-off", "recurring/yr", "a year left",
         "budget a year", "projected", "timetable"],
        [[code, name, now, f"{stage} {cy}" if stage else "—", year(committed),
          year(planned) + (" (dropped)" if dropped else ""), money(one_off), money(recurring), money(per_year),
          money(budget), year(projected) if projected is not None else _short(reason, 34), status]
         for (code, name, now, stage, cy, committed, planned, dropped, one_off, recurring, per_year, budget,
              projected, reason, status) in counties])]
    return "\n".join(out)

"""The demo's history (synthetic.design, HISTORY): years 2018-2023 of the nine Anshan units, measured from the
generated feeds the way the pipeline measures them, the demo's plan table (write_demo_plan) and its evaluation
process (write_demo_certification)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ingestion.readers import read_feed_file
from ingestion.validate import SchoolsReference, validate_feed
from synthetic import (
    build_feeds,
    design,
    generate_feeds,
    items,
    resources,
    write_demo_certification,
    write_demo_plan,
)
from synthetic.rules import RULES

YEARS = range(2018, 2025)
REPO = Path(__file__).resolve().parents[2]
FLOORS = {"小学": RULES.floors["primary"], "初中": RULES.floors["junior"]}  # R1..R7 (standards.csv)


@pytest.fixture(scope="module")
def feeds() -> dict[int, dict[str, pd.DataFrame]]:
    return {y: build_feeds(9, y, 0) for y in YEARS}


def _wcv(p: np.ndarray, x: np.ndarray) -> float:
    m = (p * x).sum() / p.sum()
    return float(np.sqrt((p * (x - m) ** 2).sum() / p.sum()) / m)


def _ids(f: dict[str, pd.DataFrame], county: str, types: tuple[str, ...]) -> pd.DataFrame:
    s = f["schools"]
    return s[(s["county_code"] == county) & s["school_type"].isin(types)].set_index("school_id")


def _junior_units(f: dict[str, pd.DataFrame], county: str) -> pd.DataFrame:
    """Junior units of a county: pupils, and R4, R6 with whole-school facilities split by weighted enrolment
    (dbt vars split_weight_*), as int_school_units does."""
    v = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    s = _ids(f, county, ("初级中学", "九年一贯制学校", "十二年一贯制学校", "完全中学"))
    e = f["enrollment"]
    ps = e[e["school_id"].isin(s.index)].pivot(index="school_id", columns="stage", values="students").fillna(0)
    for stage in ("小学", "初中", "高中"):
        ps[stage] = ps.get(stage, 0)
    full = s.loc[ps.index, "school_type"] == "完全中学"
    wj = np.where(full, v["split_weight_complete_junior"], v["split_weight_junior"])
    ws = np.where(full, v["split_weight_complete_senior"], v["split_weight_senior"])
    junior = wj * ps["初中"]
    share = junior / (v["split_weight_primary"] * ps["小学"] + junior + ws * ps["高中"])
    fa = f["facilities"].set_index("school_id").loc[ps.index]
    pupils = ps["初中"]
    return pd.DataFrame({
        "pupils": pupils,
        "R4": (fa["teaching_aux_area_m2"] - fa["indoor_sports_area_m2"]) * share / pupils,
        "R6": fa["equipment_value_10k_yuan"] * 1e4 * share / pupils,
    })


def test_xiuyan_junior_inequality_was_larger(feeds):
    """岫岩: junior R4 and R6 coefficients ≈ 0.02 higher a year back, 2018 ≈ 0.12 over 2024."""
    cv = {}
    for y in YEARS:
        u = _junior_units(feeds[y], "210323")
        cv[y] = [_wcv(u["pupils"].to_numpy(float), u[r].to_numpy(float)) for r in ("R4", "R6")]
    for k in range(2):
        series = [cv[y][k] for y in YEARS]
        assert all(a > b for a, b in zip(series, series[1:], strict=False)), series  # better every year
        assert 0.10 <= series[0] - series[-1] <= 0.14, series
        assert series[-1] > 0.45  # still over the junior cap in 2024


def test_taian_village_schools_were_worse_equipped(feeds):
    """台安: the four village schools below the R5 and R6 floors, 0.04 of the floor lower a year back."""
    f24 = feeds[2024]
    floor5, floor6 = FLOORS["小学"][4], FLOORS["小学"][5]

    def ratios(f: dict[str, pd.DataFrame], ids: pd.Index) -> pd.DataFrame:
        fa = f["facilities"].set_index("school_id").loc[ids]
        p = f["enrollment"].set_index("school_id").loc[ids, "students"]
        r5 = (fa["sports_ground_area_m2"] + fa["indoor_sports_area_m2"]) / p / floor5
        return pd.DataFrame({"R5": r5, "R6": fa["equipment_value_10k_yuan"] * 1e4 / p / floor6})

    village = _ids(f24, "210321", ("小学",)).index
    now = ratios(f24, village)
    under = now[(now["R5"] < 1) & (now["R6"] < 1)].index
    assert len(under) == 4
    by_year = {y: ratios(feeds[y], under) for y in YEARS}
    for y in YEARS:
        assert (by_year[y] < 1).all().all(), y  # they fail every year
    for y in range(2018, 2024):
        assert (by_year[y] < by_year[y + 1]).all().all(), y  # and less every year
    drop = now.loc[under] - by_year[2018]
    assert drop.stack().between(0.21, 0.27).all(), drop


def test_haicheng_school_crowded_from_2022(feeds):
    """海城: its big town junior school at its ~1100 capacity in classes of at most 50 pupils up to 2021,
    passing R1, R3, R4, R5 and G5 with the same staff and building; crowded from 2022, as in 2024."""
    jun = _ids(feeds[2024], "210381", ("初级中学",)).index
    e24 = feeds[2024]["enrollment"].set_index("school_id").loc[jun]
    big = e24["students"].idxmax()
    floors = FLOORS["初中"]
    for y in YEARS:
        f = feeds[y]
        e = f["enrollment"].set_index("school_id").loc[big]
        t = f["teachers"].set_index("school_id").loc[big]
        fa = f["facilities"].set_index("school_id").loc[big]
        p = e["students"]
        r1 = (t["qual_postgraduate"] + t["qual_bachelor"]) * 100 / p / floors[0]
        r3 = (t["pe_teachers"] + t["music_teachers"] + t["art_teachers"]) * 100 / p / floors[2]
        r4 = (fa["teaching_aux_area_m2"] - fa["indoor_sports_area_m2"]) / p / floors[3]
        r5 = (fa["sports_ground_area_m2"] + fa["indoor_sports_area_m2"]) / p / floors[4]
        if y <= 2021:
            assert p <= 1150 and e["classes_over_50"] == 0 and e["students"] / e["classes"] <= 50, y
            assert min(r1, r3, r4, r5) >= 1, (y, r1, r3, r4, r5)
        else:
            assert p > 1700 and e["classes_over_50"] > 0, y
            assert max(r1, r4, r5) < 1, (y, r1, r4, r5)


def test_submitted_history(feeds):
    """立山区's G11a and 千山区's SR, year by year, as the submission feed has them."""
    g11a = {2018: 9.0, 2019: 9.0, 2020: 10.5, 2021: 10.5, 2022: 8.0, 2023: 8.0, 2024: 8.0}
    sr = {2018: 79.0, 2019: 79.7, 2020: 80.3, 2021: 81.0, 2022: 81.7, 2023: 82.3, 2024: 83.0}
    for y in YEARS:
        sub = feeds[y]["county_submission"].set_index(["county_code", "item_code"])["value"]
        assert float(sub[("210304", "G11a")]) == g11a[y], y
        assert float(sub[("210311", "SR")]) == sr[y], y
        assert float(sub[("210302", "G11a")]) >= 10 and float(sub[("210302", "SR")]) >= 85, y


def test_history_moves_only_its_own_rows(monkeypatch):
    """Every row the history does not name is the one a history-less generator writes: no random draw moves,
    and synthetic units have no history; from REF_YEAR on there is none."""
    year = 2019
    with_history = build_feeds(12, year, 0)
    today = design.past(design.REF_YEAR)
    monkeypatch.setattr(resources, "past", lambda _: today)
    monkeypatch.setattr(items, "past", lambda _: today)
    without = build_feeds(12, year, 0)
    s = without["schools"]
    changed: dict[str, pd.DataFrame] = {}
    for feed, df in with_history.items():
        other = without[feed]
        assert df.shape == other.shape, feed
        changed[feed] = df[~((df == other) | (df.isna() & other.isna())).all(axis=1)]
    by_id = s.set_index("school_id")
    assert changed["schools"].empty and changed["county_finance"].empty
    assert set(changed["county_submission"]["county_code"]) == {"210304", "210311"}
    assert set(changed["county_submission"]["item_code"]) == {"G11a", "SR"}
    facilities = by_id.loc[changed["facilities"]["school_id"]]
    assert set(facilities["county_code"]) == {"210321", "210323"}
    assert set(facilities["school_type"]) == {"小学", "小学教学点", "初级中学"}  # whole-school: one level only
    teachers = changed["teachers"]
    assert set(by_id.loc[teachers["school_id"], "county_code"]) == {"210323"} and set(teachers["stage"]) == {"初中"}
    assert set(by_id.loc[teachers["school_id"], "school_type"]) <= {"初级中学", "九年一贯制学校"}
    xiuyan = pd.concat([facilities[facilities["county_code"] == "210323"], by_id.loc[teachers["school_id"]]])
    assert (xiuyan["urban_rural"] != "111").all()  # not the county-town schools
    enrollment = changed["enrollment"]
    assert len(enrollment) == 1 and by_id.loc[enrollment["school_id"].iloc[0], "county_code"] == "210381"
    assert changed["finance"]["school_id"].tolist() == enrollment["school_id"].tolist()
    monkeypatch.undo()
    later = build_feeds(9, design.REF_YEAR + 1, 0)
    monkeypatch.setattr(resources, "past", lambda _: today)
    monkeypatch.setattr(items, "past", lambda _: today)
    for feed, df in build_feeds(9, design.REF_YEAR + 1, 0).items():
        pd.testing.assert_frame_equal(df, later[feed])


def test_years_before_the_history_are_its_first():
    assert design.past(2010) == design.past(2018) != design.past(2019)
    assert design.past(2030) == design.past(design.REF_YEAR)


def test_demo_plan(tmp_path):
    """The city's plan table: nine units for 2023 in 2020, revised in 2024; none in other years. It reads and
    validates as the contract's county_plan, every county known to the schools feed."""
    assert write_demo_plan(tmp_path, 2019) is None and write_demo_plan(tmp_path, 2023) is None
    schools = generate_feeds(tmp_path, counties=9, year=2024, seed=0)["schools"]
    ref = SchoolsReference.from_schools(validate_feed(read_feed_file("schools", schools)).typed)
    plans = {}
    for year in (2020, 2024):
        path = write_demo_plan(tmp_path, year)
        assert path == tmp_path / str(year) / "county_plan.csv"
        assert (tmp_path / str(year) / "SYNTHETIC.txt").exists()
        result = validate_feed(read_feed_file("county_plan", path), ref)
        assert not result.typed["_quarantined"].any() and result.violations.empty
        typed = result.typed.set_index("county_code")
        budget = typed["budget_yuan_per_year"].astype(object).where(typed["budget_yuan_per_year"].notna(), None)
        plans[year] = {c: (int(typed.loc[c, "planned_year"]), None if b is None else int(b)) for c, b in budget.items()}
        assert pd.read_csv(path, nrows=0).columns.tolist() == [
            "county_code", "planned_year", "budget_yuan_per_year", "synthetic"]
    # 铁东区 applied in 2020 (it passed the provincial evaluation that year); the others for 2023
    assert plans[2020] == {code: (2020 if code == "210302" else 2023, None) for code, _ in design.ANSHAN}
    assert plans[2024] == {
        "210302": (2020, None), "210303": (2025, 2_000_000), "210304": (2024, None), "210321": (2023, None),
        "210323": (2026, 30_000_000), "210381": (2025, 8_000_000), "210391": (2021, None), "210392": (2021, None),
    }
    assert sorted(p.name for p in (tmp_path / "2024").iterdir()) == sorted(
        [f"{feed}.csv" for feed in build_feeds(1, 2024, 0)] + ["county_plan.csv", "SYNTHETIC.txt"])


def test_demo_certification(tmp_path):
    """The evaluation process: 铁东区's 县自评 and 市复核 (2019) and 省评估验收 (2020) delivered in 2020, its
    高新区 and 经开区's 省评估验收 (2021) delivered in 2021, 国家评估认定 delivered in 2022 alone (rows accumulate);
    none in other years. Written as a city writes it
    (Chinese stage names), it reads and validates as the contract's county_certification."""
    assert write_demo_certification(tmp_path, 2019) is None and write_demo_certification(tmp_path, 2024) is None
    schools = generate_feeds(tmp_path, counties=9, year=2024, seed=0)["schools"]
    ref = SchoolsReference.from_schools(validate_feed(read_feed_file("schools", schools)).typed)
    stages = {}
    for year in (2020, 2021, 2022):
        path = write_demo_certification(tmp_path, year)
        assert path == tmp_path / str(year) / "county_certification.csv"
        assert (tmp_path / str(year) / "SYNTHETIC.txt").exists()
        assert pd.read_csv(path, nrows=0).columns.tolist() == [
            "county_code", "stage", "passed_year", "document", "synthetic"]
        result = validate_feed(read_feed_file("county_certification", path), ref)
        assert not result.typed["_quarantined"].any() and result.violations.empty
        typed = result.typed
        stages[year] = [(c, s, int(y), None if pd.isna(d) else d) for c, s, y, d in zip(
            typed["county_code"], typed["stage"], typed["passed_year"], typed["document"], strict=True)]
    assert "县自评" in (tmp_path / "2020" / "county_certification.csv").read_text(encoding="utf-8")
    assert stages[2020] == [("210302", "self", 2019, None), ("210302", "city", 2019, None),
                            ("210302", "provincial", 2020, "辽教督〔2020〕12号")]
    assert stages[2021] == [("210391", "provincial", 2021, "辽教督〔2021〕7号"),
                            ("210392", "provincial", 2021, "辽教督〔2021〕7号")]
    assert stages[2022] == [("210302", "national", 2022, "教督函〔2022〕8号")]

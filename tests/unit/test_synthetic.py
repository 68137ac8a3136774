"""Tests of the synthetic feed generator (synthetic/): contract rules, formats, demo design, scale, rules."""

from __future__ import annotations

import ast
import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from ingestion.contract import FEED_SPECS, STAGES_BY_TYPE
from synthetic import build_feeds, design, generate_feeds, items
from synthetic.rules import LABELS, RULES, load_rules

FEEDS = ("schools", "enrollment", "teachers", "facilities", "finance", "county_finance", "county_submission")
ANSHAN = [
    ("210302", "铁东区"),
    ("210303", "铁西区"),
    ("210304", "立山区"),
    ("210311", "千山区"),
    ("210321", "台安县"),
    ("210323", "岫岩满族自治县"),
    ("210381", "海城市"),
    ("210391", "鞍山高新技术产业开发区"),
    ("210392", "鞍山经济开发区"),
]
TYPES = {
    "小学",
    "小学教学点",
    "初级中学",
    "九年一贯制学校",
    "职业初中",
    "完全中学",
    "十二年一贯制学校",
    "特殊教育学校",
}
STAGES_OF = {
    "小学": {"小学"},
    "小学教学点": {"小学"},
    "初级中学": {"初中"},
    "九年一贯制学校": {"小学", "初中"},
    "十二年一贯制学校": {"小学", "初中", "高中"},
    "完全中学": {"初中", "高中"},
    "职业初中": {"初中"},
    "特殊教育学校": {"小学", "初中"},
}
ITEMS = {
    "G1",
    "G2",
    "G9",
    "G10",
    "G11a",
    "G11b",
    "G13p",
    "G13j",
    "G14",
    "G15a",
    "G15b",
    "Q2",
    "Q3",
    "Q5",
    "Q6",
    "Q7",
    "Q8",
    "Q9",
    "SR",
    "VETO_EXAM_ADMISSION",
    "VETO_SCHOOL_CHOICE",
    "VETO_KEY_SCHOOLS",
    "VETO_KEY_CLASSES",
    "VETO_VACANT_POSTS",
    "VETO_SAFETY",
    "VETO_FRAUD",
    "BASIC_BALANCED_YEAR",
}
FEEDS_MD = Path(__file__).resolve().parents[3] / "shared" / "spec" / "feeds.md"


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return build_feeds(9, 2024, 0)


@pytest.fixture(scope="module")
def mixed() -> dict[str, pd.DataFrame]:
    """The nine Anshan units plus 31 synthetic ones (covers the synthetic-county path)."""
    return build_feeds(40, 2024, 3)


def _wcv(p: np.ndarray, x: np.ndarray) -> float:
    m = (p * x).sum() / p.sum()
    return float(np.sqrt((p * (x - m) ** 2).sum() / p.sum()) / m)


# ---------------------------------------------------------------------------------------------- determinism


def test_deterministic_and_seed_sensitive():
    a, b = build_feeds(9, 2024, 0), build_feeds(9, 2024, 0)
    for feed in FEEDS:
        pd.testing.assert_frame_equal(a[feed], b[feed])
    c = build_feeds(9, 2024, 1)
    assert not a["enrollment"]["students"].equals(c["enrollment"]["students"])


def test_years_keep_ids_and_shift_numbers():
    y22, y24 = build_feeds(9, 2022, 0), build_feeds(9, 2024, 0)
    assert y22["schools"]["school_id"].tolist() == y24["schools"]["school_id"].tolist()
    s22, s24 = y22["enrollment"]["students"], y24["enrollment"]["students"]
    assert not s22.equals(s24)
    assert abs(s24.sum() / s22.sum() - 1) < 0.08  # a slight shift, not a new population


def test_junior_cohorts_flow_through_years():
    """Q1 consolidation: junior final-grade pupils now ≈ 0.97 × junior entrants two years before."""
    now, before = build_feeds(9, 2024, 0), build_feeds(9, 2022, 0)
    j_now = now["enrollment"].query("stage == '初中'").set_index("school_id")
    j_before = before["enrollment"].query("stage == '初中'").set_index("school_id")
    ratio = j_now["final_grade_students"].sum() / j_before.loc[j_now.index, "entrants"].sum()
    assert 0.95 <= ratio <= 0.99
    per_school = j_now["final_grade_students"] / j_before.loc[j_now.index, "entrants"]
    assert per_school.between(0.85, 1.05).all()


# ---------------------------------------------------------------------------------------------- contract rules


@pytest.mark.parametrize("which", ["demo", "mixed"])
def test_contract_rules(which, request):
    f = request.getfixturevalue(which)
    assert tuple(f) == FEEDS
    for feed, df in f.items():
        assert (df["synthetic"] == 1).all(), feed
        assert len(df) > 0, feed

    s = f["schools"]
    assert s["school_id"].map(type).eq(str).all()
    assert s["school_id"].str.fullmatch(r"\d{10}").all()
    assert s["school_id"].is_unique
    assert s["county_code"].str.fullmatch(r"\d{6}").all()
    assert s["school_name"].str.contains("（合成）", regex=False).all()
    assert s["school_type"].isin(TYPES).all()
    assert s["urban_rural"].isin({"111", "112", "121", "122", "123", "210", "220"}).all()
    for col in ("is_private", "is_boarding"):
        assert s[col].isin([0, 1]).all()
    anshan = s["county_code"].str.startswith("2103")
    assert (s.loc[anshan, "school_id"].str[2:4] == "21").all()
    assert (s.loc[~anshan, "school_id"].str[2:4] != "21").all()

    # teaching points: a parent of an allowed type in the same county; everyone else: no parent
    tp = s[s["school_type"] == "小学教学点"]
    assert len(tp) > 0
    by_id = s.set_index("school_id")
    assert tp["parent_school_id"].isin(by_id.index).all()
    parents = by_id.loc[tp["parent_school_id"]]
    assert parents["school_type"].isin({"小学", "九年一贯制学校"}).all()
    assert (parents["county_code"].to_numpy() == tp["county_code"].to_numpy()).all()
    assert s.loc[s["school_type"] != "小学教学点", "parent_school_id"].isna().all()

    # one enrollment and one teachers row per school x stage the school actually has
    e, t = f["enrollment"], f["teachers"]
    for df in (e, t):
        assert not df.duplicated(["school_id", "stage"]).any()
        got = df.groupby("school_id")["stage"].agg(set)
        want = s.set_index("school_id")["school_type"].map(STAGES_OF)
        assert got.sort_index().equals(want.sort_index())

    counts = [c for c in e.columns if c not in ("school_id", "stage")]
    assert (e[counts].dtypes.map(lambda d: d.kind) == "i").all()
    assert (e[counts] >= 0).all().all()
    assert (e["classes_over_50"] <= e["classes_over_45"]).all()
    assert (e["classes_over_45"] <= e["classes"]).all()
    assert ((e["students"] == 0) | (e["classes"] >= 1)).all()
    for col in ("final_grade_students", "entrants", "migrant_students"):
        assert (e[col] <= e["students"]).all(), col

    tcounts = [c for c in t.columns if c not in ("school_id", "stage")]
    assert (t[tcounts].dtypes.map(lambda d: d.kind) == "i").all()
    assert (t[tcounts] >= 0).all().all()
    ft = t["full_time_teachers"]
    quals = t[["qual_postgraduate", "qual_bachelor", "qual_associate", "qual_below_associate"]].sum(axis=1)
    assert (quals == ft).all()
    assert (t[["pe_teachers", "music_teachers", "art_teachers"]].sum(axis=1) <= ft).all()
    for col in (
        "backbone_teachers",
        "certified_teachers",
        "training_360h_completed",
        "title_intermediate_plus",
    ):
        assert (t[col] <= ft).all(), col

    ids = set(s["school_id"])
    for feed in ("facilities", "finance"):
        df = f[feed]
        assert df["school_id"].is_unique and set(df["school_id"]) == ids, feed
        nums = df.drop(columns=["school_id"])
        assert (nums >= 0).all().all(), feed
    assert set(e["school_id"]) == ids and set(t["school_id"]) == ids

    cf = f["county_finance"]
    codes = set(s["county_code"])
    assert cf["county_code"].is_unique and set(cf["county_code"]) == codes
    assert (cf["teacher_avg_salary_yuan"] > 0).all() and (cf["civil_servant_avg_salary_yuan"] > 0).all()

    sub = f["county_submission"]
    assert not sub.duplicated(["county_code", "item_code"]).any()
    assert set(sub["county_code"]) == codes
    assert (sub.groupby("county_code")["item_code"].agg(set) == ITEMS).all()
    veto = sub[sub["item_code"].str.startswith("VETO_")]
    assert veto["value"].isin(["是", "否"]).all()
    pct = sub[sub["item_code"].isin(["G9", "G11a", "G11b", "G13p", "G13j", "G14", "G15a", "Q2", "SR"])]
    assert pct["value"].astype(float).between(0, 100).all()
    assert sub.loc[sub["item_code"] == "BASIC_BALANCED_YEAR", "value"].str.fullmatch(r"20\d\d").all()


def test_one_veto_only_in_a_synthetic_county(demo, mixed):
    def yes(f):
        sub = f["county_submission"]
        return sub[sub["item_code"].str.startswith("VETO_") & (sub["value"] == "是")]

    assert len(yes(demo)) == 0
    v = yes(mixed)
    assert len(v) == 1 and not v["county_code"].iloc[0].startswith("2103")


# ---------------------------------------------------------------------------------------------- demo design


def test_demo_units(demo):
    cf = demo["county_finance"]
    assert cf["county_code"].tolist() == [c for c, _ in ANSHAN]
    names = demo["schools"].drop_duplicates("county_code").set_index("county_code")["county_name"]
    assert list(names.items()) == ANSHAN
    assert build_feeds(3, 2024, 0)["county_finance"]["county_code"].tolist() == ["210302", "210303", "210304"]
    bigger = build_feeds(12, 2024, 0)
    syn = bigger["schools"].drop_duplicates("county_code")
    assert syn["county_name"].tolist()[9:] == ["合成县0010", "合成县0011", "合成县0012"]
    assert syn["county_code"].str.fullmatch(r"\d{6}").all() and syn["county_code"].is_unique
    for feed in ("schools", "teachers", "facilities"):  # the Anshan units do not depend on the scale
        pd.testing.assert_frame_equal(bigger[feed].iloc[: len(demo[feed])], demo[feed])


def test_demo_submission_failures(demo):
    sub = demo["county_submission"].set_index(["county_code", "item_code"])["value"]
    assert sub[("210304", "G11a")] == "8.0"
    assert sub[("210311", "SR")] == "83.0"
    assert float(sub[("210302", "SR")]) >= 85 and float(sub[("210302", "G11a")]) >= 10


def test_tiexi_backbone_coefficient_just_above_cap(demo):
    """铁西区: primary R2 coefficient just above 0.50, every primary unit at or above the R2 floor."""
    s, e, t = demo["schools"], demo["enrollment"], demo["teachers"]
    ids = s.loc[
        (s["county_code"] == "210303")
        & s["school_type"].isin(["小学", "九年一贯制学校", "十二年一贯制学校"]),
        "school_id",
    ]
    u = e.merge(t, on=["school_id", "stage"]).query("stage == '小学'")
    u = u[u["school_id"].isin(ids)]
    r2 = u["backbone_teachers"] / u["students"] * 100
    assert (r2 >= 1.0).all()
    assert 0.50 < _wcv(u["students"].to_numpy(float), r2.to_numpy()) < 0.53


def test_xiuyan_junior_unequal_and_taian_underequipped(demo):
    s, e, fa = demo["schools"], demo["enrollment"], demo["facilities"].set_index("school_id")
    # 岫岩 junior units: pure junior schools and the 完全中学 (junior 1 : senior 1.2)
    xy = s[(s["county_code"] == "210323") & s["school_type"].isin(["初级中学", "完全中学"])]
    en = e[e["school_id"].isin(xy["school_id"])].pivot(index="school_id", columns="stage", values="students")
    en = en.fillna(0)
    junior = en["初中"]
    share = junior / (junior + 1.2 * en.get("高中", 0))
    equip = fa.loc[en.index, "equipment_value_10k_yuan"] * 1e4 * share / junior
    assert _wcv(junior.to_numpy(float), equip.to_numpy()) > 0.45
    # 台安: some village primary schools below both the R5 and the R6 floors
    ta = s[(s["county_code"] == "210321") & (s["school_type"] == "小学")].set_index("school_id")
    p = e.set_index(["school_id", "stage"]).loc[[(i, "小学") for i in ta.index], "students"].droplevel(1)
    f = fa.loc[ta.index]
    r5 = (f["sports_ground_area_m2"] + f["indoor_sports_area_m2"]) / p
    r6 = f["equipment_value_10k_yuan"] * 1e4 / p
    both = (r5 < 7.5) & (r6 < 2000)
    assert 2 <= both.sum() <= 6
    assert set(ta.loc[both[both].index, "urban_rural"]) <= {"210", "220"}


# ---------------------------------------------------------------------------------------------- files


def test_csv_and_parquet_keep_ids_as_text(tmp_path, demo):
    ids = demo["schools"]["school_id"]
    assert ids.str.startswith("0").any()  # leading zeros present on purpose
    csv_paths = generate_feeds(tmp_path / "csv", counties=9, year=2024, seed=0, fmt="csv")
    assert set(csv_paths) == set(FEEDS)
    assert all(p == tmp_path / "csv" / "2024" / f"{feed}.csv" for feed, p in csv_paths.items())
    assert "synthetic" in (tmp_path / "csv" / "2024" / "SYNTHETIC.txt").read_text(encoding="utf-8").lower()
    back = pd.read_csv(csv_paths["schools"], dtype=str, keep_default_na=False)
    assert back["school_id"].tolist() == ids.tolist()
    assert back["county_code"].tolist() == demo["schools"]["county_code"].tolist()

    pq_paths = generate_feeds(tmp_path / "pq", counties=9, year=2024, seed=0, fmt="parquet")
    table = pq.read_table(pq_paths["schools"])
    for col in ("school_id", "parent_school_id", "county_code", "urban_rural"):
        assert str(table.schema.field(col).type) == "string", col
    assert table.column("school_id").to_pylist() == ids.tolist()
    for feed in ("enrollment", "county_submission", "county_finance"):
        schema = pq.read_table(pq_paths[feed]).schema
        for col in ("school_id", "county_code", "item_code", "value"):
            if col in schema.names:
                assert str(schema.field(col).type) == "string", (feed, col)
    teachers = pd.read_parquet(pq_paths["teachers"])
    pd.testing.assert_frame_equal(teachers, demo["teachers"], check_dtype=False)


def test_xlsx_first_sheet(tmp_path, demo):
    paths = generate_feeds(tmp_path, counties=2, year=2024, seed=0, fmt="xlsx")
    back = pd.read_excel(paths["schools"], sheet_name=0, dtype=str)
    want = demo["schools"].query("county_code in ['210302', '210303']")["school_id"]
    assert back["school_id"].tolist() == want.tolist()


def _feeds_md_labels() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    feed = None
    for line in FEEDS_MD.read_text(encoding="utf-8").splitlines():
        m = re.match(r"### `(\w+)`", line)
        if m:
            feed = m.group(1)
            out[feed] = []
        elif feed and line.startswith("| ") and not line.startswith("| column") and "---" not in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            out[feed].append((cells[0], cells[1]))
    return out


def test_chinese_headers_and_gb18030(tmp_path, demo):
    paths = generate_feeds(
        tmp_path, counties=9, year=2024, seed=0, fmt="csv", encoding="gb18030", headers="zh"
    )
    raw = paths["facilities"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = raw.decode("gb18030").splitlines()[0].split(",")
    assert header[:2] == ["学校标识码", "教学及辅助用房面积"]
    assert "教学仪器设备资产值（万元）" in header and header[-1] == "synthetic"
    schools = pd.read_csv(paths["schools"], encoding="gb18030", dtype=str)
    assert schools["学校标识码"].tolist() == demo["schools"]["school_id"].tolist()
    assert schools["学校名称"].str.contains("（合成）", regex=False).all()
    # the labels, exactly as the contract writes them, for every feed generated: the spec itself
    # (../shared/spec/feeds.md) where the checkout has it (every developer and CI run), else the contract
    # as code (ingestion/contract.py) — checked either way, never skipped
    spec = _feeds_md_labels() if FEEDS_MD.exists() else {
        f: [(c.name, c.zh) for c in FEED_SPECS[f].columns] for f in FEED_SPECS}
    assert set(paths) <= set(spec)
    for feed in paths:
        pairs = spec[feed]
        got = pd.read_csv(paths[feed], encoding="gb18030", nrows=0).columns.tolist()
        assert got == [zh for _, zh in pairs] + ["synthetic"], feed
        assert demo[feed].columns.tolist() == [c for c, _ in pairs] + ["synthetic"], feed


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate_feeds(tmp_path, fmt="json")
    with pytest.raises(ValueError):
        generate_feeds(tmp_path, encoding="latin-1")
    with pytest.raises(ValueError):
        generate_feeds(tmp_path, headers="fr")
    with pytest.raises(ValueError):
        build_feeds(0)


# ---------------------------------------------------------------------------------------------- scale


def test_national_scale_counts():
    """2850 units ≈ 190k schools + 52k teaching points (in memory, ~2-3 s)."""
    s = build_feeds(2850, 2024, 0)["schools"]
    tp = int((s["school_type"] == "小学教学点").sum())
    schools = len(s) - tp
    assert abs(schools / 190_000 - 1) <= 0.10, schools
    assert abs(tp / 52_000 - 1) <= 0.10, tp
    assert s["school_id"].is_unique
    assert s["county_code"].nunique() == 2850


# ---------------------------------------------------------------------------------------------- rules

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "dbt_project" / "seeds"
RESOURCES = ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]


def _dbt_vars() -> dict:
    return yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def _seed(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS / f"{name}.csv", dtype=str, keep_default_na=False)


def test_floors_are_the_standards_seed():
    """The floors the generator sizes schools by are standards.csv's R1–R7 (rule sets with a school rule)."""
    rulesets = _seed("rulesets")
    judged = rulesets.loc[rulesets["has_school_rule"].str.lower() == "true", "ruleset"]
    std = _seed("standards")
    std = std[std["ruleset"].isin(judged) & std["indicator_code"].isin(RESOURCES)]
    want = std.assign(t=std["threshold"].astype(float)).groupby(["level", "indicator_code"])["t"].max()
    for level in ("primary", "junior"):
        floors = [want[(level, code)] for code in RESOURCES]
        assert list(RULES.floors[level]) == floors, level
    assert design.THR.tolist() == [list(RULES.floors["primary"]), list(RULES.floors["junior"]),
                                   list(RULES.floors["junior"])]


def test_split_weights_and_scope_are_the_dbt_vars():
    v = _dbt_vars()
    assert v["split_mode"] == "weighted"
    want = [v["split_weight_primary"], v["split_weight_junior"], v["split_weight_senior"]]
    assert design.STAGE_W.tolist() == want
    complete = [0.0, v["split_weight_complete_junior"], v["split_weight_complete_senior"]]
    assert design.FULL_W.tolist() == complete
    assert RULES.teaching_point_min_students == v["teaching_point_min_students"]


def test_item_standards_are_the_seed():
    seed = _seed("item_standards")
    assert RULES.item_standards == {(r.item_code, r.parameter): float(r.value) for r in seed.itertuples()}


def test_submitted_items_are_the_seeds():
    """Every part of every submitted item (evaluation_items × submission_rules), G9 besides, in seed order."""
    ev = _seed("evaluation_items").assign(order=lambda d: d["sort_order"].astype(int)).sort_values("order")
    rules = _seed("submission_rules")
    want: list[str] = []
    for item in ev.loc[(ev["source"] == "submitted") | (ev["item_code"] == "G9"), "item_code"]:
        for part in rules.loc[rules["item_code"] == item, "part_code"]:
            code = item + part[len(item):].lower() if part != item and part.startswith(item) else part
            if code not in want:
                want.append(code)
    assert list(items.ITEMS) == want
    assert set(want) == ITEMS
    comparator = {
        (r.item_code + r.part_code[len(r.item_code):].lower() if r.part_code.startswith(r.item_code)
         else r.part_code): r for r in rules.itertuples()
    }
    pct = {c for c in want if comparator[c].comparator == "ge" and c not in items.ALSO_SUBMITTED}
    assert set(items.PCT_RANGES) == pct
    for code in pct:  # passing draws at or over the seed's threshold, failing ones under it
        plo, phi, flo, fhi = items.PCT_RANGES[code]
        threshold = float(comparator[code].threshold)
        assert comparator[code].scale == "percent", code
        assert flo <= fhi < threshold <= plo <= phi, code
    today = design.past(design.REF_YEAR)
    for _, item, column in design.SUBMITTED_HISTORY:  # the demo's fixed values fail in REF_YEAR
        assert getattr(today, column) < float(comparator[item].threshold), item


def test_r2_target_just_above_the_cap():
    caps = _seed("balance_standards").merge(_seed("rulesets"), on="ruleset")
    cap = caps.loc[(caps["balance_rule"] == "per_indicator") & (caps["level"] == "primary"), "cv_max"]
    assert len(cap) > 0
    assert all(float(c) < design.R2_TARGET_CV < float(c) + 0.03 for c in cap)


def test_labels_are_the_contract():
    # every core feed (census, finance, submission) is generated; the optional plan feeds are not
    assert tuple(LABELS) == tuple(f for f, spec in FEED_SPECS.items() if not spec.optional) == FEEDS
    for feed in LABELS:
        assert LABELS[feed] == {c.name: c.zh for c in FEED_SPECS[feed].columns}
    assert set(design.SCHOOL_TYPES) == TYPES
    assert design.STAGES == ("小学", "初中", "高中")
    assert set(design.UR_CODES) == {"111", "112", "121", "122", "123", "210", "220"}
    for t, code in enumerate(design.TYPE_CODES):  # the stages generated are stages the contract allows
        stages = {design.STAGE_CODES[s] for s in range(3) if design.HAS_STAGE[t, s]}
        assert stages <= set(STAGES_BY_TYPE[code]), code
        assert stages == {dict(zip(design.STAGES, design.STAGE_CODES, strict=True))[s]
                          for s in STAGES_OF[design.SCHOOL_TYPES[t]]}, code


def test_seeds_read_by_column_name(tmp_path):
    """standards.csv may gain columns (a scale, a unit) or reorder them: the rules stay the same."""
    dbt = tmp_path / "dbt_project"
    shutil.copytree(SEEDS, dbt / "seeds")
    shutil.copy(REPO / "dbt_project" / "dbt_project.yml", dbt / "dbt_project.yml")
    std = _seed("standards")
    extra = ["per_students", "extra_note"]
    std = std.assign(per_students="100", extra_note="x")[list(reversed(std.columns)) + extra]
    std.to_csv(dbt / "seeds" / "standards.csv", index=False)
    assert load_rules(dbt) == RULES
    std.drop(columns=["threshold"]).to_csv(dbt / "seeds" / "standards.csv", index=False)
    with pytest.raises(ValueError, match="threshold"):
        load_rules(dbt)


def test_demo_feeds_unchanged(tmp_path):
    """The demo's published results depend on these bytes: a change must be deliberate (update the digest)."""
    paths = generate_feeds(tmp_path, counties=9, year=2024, seed=0)
    digest = hashlib.sha256(b"".join(paths[f].read_bytes() for f in FEEDS)).hexdigest()
    assert digest == "14e5c3cfa47ebeab0bc9bac07d2a84031a4e4d1b0c6aa3563ea7856c7414e9b2"


def test_import_boundaries():
    """synthetic/ sits downstream of the contract; ingestion/ never imports it; nor it the pipeline."""

    def imports(path: Path) -> set[str]:
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                out.add(node.module.split(".")[0])
        return out

    for path in (REPO / "ingestion").glob("*.py"):
        assert "synthetic" not in imports(path), path
    for path in (REPO / "synthetic").glob("*.py"):
        assert not imports(path) & {"orchestration", "publication", "equity"}, path

"""Equity measures (equity/measures.py) against answers that do not come from the code under test:
published examples (McLoone, 34 CFR 222), PySAL's `inequality` package on inputs repeated by pupil
count, formulas written out here over the expanded pupil sample, three textbook forms of the Gini;
then the NULL-with-a-reason cases, the decomposition identity and the all-groups-at-once property."""

import math

import numpy as np
import pandas as pd
import pytest

from equity.coefficients import group_codes
from equity.measures import MEASURE_COLUMNS, area_codes, equity_measures, key_codes

FLOATS = [c for c in MEASURE_COLUMNS if c not in ("n_units", "null_reason")]


def _frame(students, values, codes=None, group="g1"):
    codes = ["111"] * len(values) if codes is None else codes
    return pd.DataFrame({"group": group, "students": students, "value": values, "urban_rural": codes})


def _one(students, values, codes=None, area_mode="urban_rural"):
    return equity_measures(_frame(students, values, codes), ["group"], area_mode=area_mode).iloc[0]


# -- published examples ------------------------------------------------------------------------------


def test_mcloone_example_is_0_7053():
    # Per-pupil values 1000, 200, 100, 60, 45, 24 in schools of 2, 4, 6, 6, 8, 12 pupils: 38 pupils, the
    # median (19th) pupil sits in the 8-pupil school at 45, 7 of whose pupils are below the median:
    # (24·12 + 45·7) / (45 · 19) = 603 / 855.
    row = _one([2, 4, 6, 6, 8, 12], [1000, 200, 100, 60, 45, 24])
    assert row["mcloone"] == pytest.approx(603 / 855, rel=1e-12)
    assert round(row["mcloone"], 4) == 0.7053
    # Verstegen: the other pupil of that school plus the 18 above, at their values, over 45 · 19
    above = 45 * 1 + 60 * 6 + 100 * 6 + 200 * 4 + 1000 * 2
    assert row["verstegen"] == pytest.approx(above / (45 * 19), rel=1e-12)


def test_mcloone_with_the_pupil_counts_read_the_other_way_is_1():
    # Values 2, 4, 6, 6, 8, 12 with 1000, 200, 100, 60, 45, 24 pupils: 1000 of the 1429 pupils are at 2,
    # so the median pupil is at 2 and nobody is below it -- McLoone 1 under any median convention.
    row = _one([1000, 200, 100, 60, 45, 24], [2, 4, 6, 6, 8, 12])
    assert row["mcloone"] == pytest.approx(1.0, abs=1e-15)


def test_federal_range_ratio_example_of_34_cfr_222():
    # 1000 pupils in ascending order of expenditure: the 50th pupil (5 %) is reached in the $820 LEA,
    # the 950th (95 %) in the $1,000 LEA; disparity (1000 − 820) / 820 = 22 %.
    row = _one([30, 40, 860, 50, 20], [700, 820, 900, 1000, 1200])
    assert row["restricted_range"] == 180
    assert row["federal_range_ratio"] == pytest.approx(180 / 820, rel=1e-12)
    assert round(100 * row["federal_range_ratio"]) == 22


def test_percentile_on_a_boundary_belongs_to_the_unit_that_reaches_it():
    # pupil 50 of 1000 (5 %) is the first unit's last, pupil 950 (95 %) the second unit's last
    row = _one([50, 900, 50], [10.0, 20.0, 40.0])
    assert row["restricted_range"] == 10.0 and row["federal_range_ratio"] == 1.0
    row = _one([51, 898, 51], [10.0, 20.0, 40.0])
    assert row["restricted_range"] == 30.0
    row = _one([49, 902, 49], [10.0, 20.0, 40.0])
    assert row["restricted_range"] == 0.0 and row["federal_range_ratio"] == 0.0


# -- PySAL's inequality, on inputs repeated by pupil count ---------------------------------------------

UR = np.array(["111", "112", "121", "122", "123", "210", "220"])


def _random_cases(n_cases, seed, zeros=False):
    rng = np.random.default_rng(seed)
    frames = []
    for case in range(n_cases):
        n = int(rng.integers(2, 13))
        students = rng.integers(1, 16, n)
        values = np.round(rng.gamma(2.0, 3.0, n) + 0.05, 3)
        if zeros and case % 3 == 0:
            values[rng.integers(0, n)] = 0.0
        frames.append(pd.DataFrame({"case": case, "students": students, "value": values,
                                    "urban_rural": rng.choice(UR, n)}))
    return pd.concat(frames, ignore_index=True)


def _expanded(group: pd.DataFrame):
    p = group["students"].to_numpy()
    return np.repeat(group["value"].to_numpy(dtype=float), p), np.repeat(group["urban_rural"].to_numpy(), p)


def _partition(codes, area_mode):
    if area_mode == "urban_rural":
        return np.array([c[0] for c in codes])
    return np.array([c[:2] if c[0] == "1" else "2" for c in codes])


@pytest.mark.parametrize("area_mode", ["urban_rural", "three_way"])
def test_against_pysal_inequality_on_120_random_cases(area_mode):
    import inequality
    from inequality.atkinson import atkinson
    from inequality.gini import Gini
    from inequality.theil import Theil, TheilD

    units = _random_cases(120, seed=7)
    got = equity_measures(units, ["case"], area_mode=area_mode).set_index("case")
    assert len(got) == 120 and inequality.__version__
    worst = {}
    for case, group in units.groupby("case"):
        y, codes = _expanded(group)
        part = _partition(codes, area_mode)
        theil_d = TheilD(y, part)
        expected = {"gini": Gini(y).g, "theil_t": Theil(y).T, "theil_t_between": theil_d.bg[0],
                    "theil_t_within": theil_d.wg[0], "atkinson_05": atkinson(y, 0.5),
                    "atkinson_1": atkinson(y, 1), "atkinson_2": atkinson(y, 2)}
        for name, want in expected.items():
            diff = abs(got.loc[case, name] - float(np.squeeze(want)))
            worst[name] = max(worst.get(name, 0.0), diff)
    assert max(worst.values()) < 1e-12, worst


@pytest.mark.parametrize("area_mode", ["urban_rural", "three_way"])
def test_theil_l_and_order_statistics_against_the_expanded_pupil_sample(area_mode):
    units = _random_cases(120, seed=11)
    got = equity_measures(units, ["case"], area_mode=area_mode).set_index("case")
    for case, group in units.groupby("case"):
        y, codes = _expanded(group)  # one entry per pupil
        part = _partition(codes, area_mode)
        mu = y.mean()
        theil_l = np.mean(np.log(mu / y))
        l_between = sum((part == a).mean() * math.log(mu / y[part == a].mean()) for a in np.unique(part))
        l_within = sum((part == a).mean() * np.mean(np.log(y[part == a].mean() / y[part == a]))
                       for a in np.unique(part))
        t_within = 0.0
        for a in np.unique(part):
            ya = y[part == a]
            t_within += ya.sum() / y.sum() * np.mean(ya / ya.mean() * np.log(ya / ya.mean()))
        ys = np.sort(y)
        n = len(ys)
        # the p-th percentile pupil: the ceil(p·n)-th in ascending order (1-based)
        p5, p50, p95 = (ys[math.ceil(q * n) - 1] for q in (0.05, 0.5, 0.95))
        half = n / 2  # McLoone/Verstegen: the n/2 lowest and n/2 highest pupils, half a pupil if n is odd
        low = ys[: n // 2].sum() + (half - n // 2) * ys[n // 2]
        high = ys[n - n // 2:].sum() + (half - n // 2) * ys[n // 2]
        rural = [c[0] == "2" for c in codes]
        urban_mean = y[~np.array(rural)].mean() if not all(rural) else math.nan
        rural_mean = y[np.array(rural)].mean() if any(rural) else math.nan
        row = got.loc[case]
        assert row["theil_l"] == pytest.approx(theil_l, abs=1e-12)
        assert row["theil_l_between"] == pytest.approx(l_between, abs=1e-12)
        assert row["theil_l_within"] == pytest.approx(l_within, abs=1e-12)
        assert row["theil_t_within"] == pytest.approx(t_within, abs=1e-12)
        assert row["restricted_range"] == p95 - p5
        assert row["federal_range_ratio"] == pytest.approx((p95 - p5) / p5, rel=1e-12)
        assert row["mcloone"] == pytest.approx(low / (p50 * half), rel=1e-12)
        assert row["verstegen"] == pytest.approx(high / (p50 * half), rel=1e-12)
        assert (row["min_value"], row["max_value"]) == (ys[0], ys[-1])
        if math.isnan(urban_mean) or math.isnan(rural_mean):
            assert math.isnan(row["urban_rural_parity"])
        else:
            assert row["urban_rural_parity"] == pytest.approx(rural_mean / urban_mean, rel=1e-12)


def test_theil_t_with_zero_values_matches_pysal_and_l_is_null():
    import inequality  # noqa: F401  (an independent implementation: the Makefile installs it)
    from inequality.theil import Theil

    units = _random_cases(60, seed=3, zeros=True)
    got = equity_measures(units, ["case"]).set_index("case")
    for case, group in units.groupby("case"):
        y, _ = _expanded(group)
        assert got.loc[case, "theil_t"] == pytest.approx(float(np.squeeze(Theil(y).T)), abs=1e-9)
        if (y == 0).any():
            assert math.isnan(got.loc[case, "theil_l"]) and math.isnan(got.loc[case, "atkinson_2"])
            assert "a unit has value 0" in got.loc[case, "null_reason"]


# -- the weighted Gini three ways ----------------------------------------------------------------------


def _gini_pairs(p, x):
    """Mean absolute difference over all pupil pairs / (2 μ)."""
    mu = np.sum(p * x) / p.sum()
    return np.sum(np.outer(p, p) * np.abs(x[:, None] - x[None, :])) / (2 * p.sum() ** 2 * mu)


def _gini_lorenz(p, x):
    """1 − twice the area under the Lorenz curve, by trapezoids between the units' corners."""
    o = np.argsort(x)
    p, x = p[o], x[o]
    f = np.concatenate(([0.0], np.cumsum(p) / p.sum()))
    lorenz = np.concatenate(([0.0], np.cumsum(p * x) / np.sum(p * x)))
    return 1.0 - np.sum(np.diff(f) * (lorenz[1:] + lorenz[:-1]))


def _gini_covariance(p, x):
    """2 cov(x, F) / μ, F the pupil's mid-rank in the pupil distribution (weighted covariance)."""
    o = np.argsort(x)
    p, x = p[o], x[o]
    w = p / p.sum()
    rank = np.cumsum(w) - w / 2
    mu = np.sum(w * x)
    return 2 * np.sum(w * (x - mu) * (rank - np.sum(w * rank))) / mu


def test_weighted_gini_three_formulas():
    rng = np.random.default_rng(5)
    frames, cases = [], []
    for case in range(150):
        n = int(rng.integers(1, 30))
        p = rng.uniform(0.5, 3000, n).round(1)  # fractional counts too: split schools' shares
        x = rng.lognormal(2.0, 0.8, n)
        if case % 10 == 0:
            x[: n // 2] = x[0]  # ties
        cases.append((p, x))
        frames.append(pd.DataFrame({"case": case, "students": p, "value": x, "urban_rural": "111"}))
    got = equity_measures(pd.concat(frames), ["case"])["gini"].to_numpy()
    for case, (p, x) in enumerate(cases):
        forms = [_gini_pairs(p, x), _gini_lorenz(p, x), _gini_covariance(p, x)]
        assert max(forms) - min(forms) < 1e-12
        assert got[case] == pytest.approx(forms[0], abs=1e-12)


# -- undefined is NULL with a reason, never 0 ----------------------------------------------------------


def test_zero_mean_is_null_with_reason():
    row = _one([10, 20], [0.0, 0.0], ["111", "210"])
    for name in ("gini", "theil_t", "theil_l", "atkinson_05", "atkinson_1", "atkinson_2", "mcloone",
                 "verstegen", "federal_range_ratio", "urban_rural_parity", "theil_t_between_share"):
        assert math.isnan(row[name]), name
    assert row["restricted_range"] == 0 and row["min_value"] == 0 and row["max_value"] == 0
    for text in ("mean is 0", "median is 0", "5th-percentile value is 0", "urban mean is 0"):
        assert text in row["null_reason"]


def test_a_zero_value_leaves_theil_l_and_atkinson_1_2_null_but_not_theil_t():
    row = _one([1, 20, 30], [0.0, 2.0, 3.0], ["111", "111", "210"])
    assert math.isnan(row["theil_l"]) and math.isnan(row["theil_l_between"]) and math.isnan(row["theil_l_within"])
    assert math.isnan(row["atkinson_1"]) and math.isnan(row["atkinson_2"])
    assert row["theil_t"] > 0 and row["atkinson_05"] > 0 and row["gini"] > 0
    assert row["null_reason"] == "a unit has value 0: Theil L, Atkinson ε≥1 undefined"


def test_a_negative_value_leaves_the_log_based_measures_null():
    row = _one([10, 20, 30], [-1.0, 2.0, 3.0], ["111", "111", "210"])
    for name in ("theil_t", "theil_t_between", "theil_l", "atkinson_05", "atkinson_1", "atkinson_2"):
        assert math.isnan(row[name]), name
    assert row["null_reason"] == "a unit has a negative value: Theil, Atkinson undefined"
    assert row["min_value"] == -1.0 and not math.isnan(row["gini"])


def test_parity_needs_both_areas_and_a_known_code():
    only_urban = _one([10, 20], [1.0, 2.0], ["111", "121"])
    assert math.isnan(only_urban["urban_rural_parity"])
    assert only_urban["null_reason"] == "no urban unit: parity undefined".replace("urban", "rural", 1)
    only_rural = _one([10, 20], [1.0, 2.0], ["210", "220"])
    assert only_rural["null_reason"] == "no urban unit: parity undefined"
    assert only_rural["theil_t_between"] == 0.0  # one area: no inequality between areas (a real 0)
    unknown = _one([10, 20, 5], [1.0, 2.0, 3.0], ["111", "210", None])
    for name in ("theil_t_between", "theil_t_within", "theil_l_between", "theil_l_within",
                 "urban_rural_parity", "theil_t_between_share"):
        assert math.isnan(unknown[name]), name
    assert unknown["theil_t"] > 0 and unknown["gini"] > 0 and not math.isnan(unknown["mcloone"])
    assert "no urban/rural code" in unknown["null_reason"]
    both = _one([10, 30], [4.0, 3.0], ["111", "220"])
    assert both["urban_rural_parity"] == 0.75 and both["null_reason"] is None


def test_missing_value_or_enrolment_is_not_computed_over_a_shortened_list():
    for students, values in (([10, 20, 30], [1.0, None, 3.0]), ([10, None, 30], [1.0, 2.0, 3.0])):
        row = _one(students, values)
        assert all(math.isnan(row[c]) for c in FLOATS if c != "students"), row
        assert row["null_reason"].startswith("1 unit(s) have no value")
        assert row["n_units"] == 3


def test_equal_values_give_zero_inequality_and_a_null_share():
    row = _one([10, 20, 30], [5.0, 5.0, 5.0], ["111", "121", "210"])
    for name in ("gini", "theil_t", "theil_l", "atkinson_05", "atkinson_1", "atkinson_2", "restricted_range",
                 "federal_range_ratio", "theil_t_between", "theil_t_within"):
        assert row[name] == pytest.approx(0.0, abs=1e-15), name
    assert row["mcloone"] == 1.0 and row["verstegen"] == 1.0 and row["urban_rural_parity"] == 1.0
    assert math.isnan(row["theil_t_between_share"])
    assert row["null_reason"] == "Theil T is 0: between share undefined"


def test_units_without_students_are_dropped_and_a_group_of_them_has_no_measures():
    base = _one([10, 20], [1.0, 3.0])
    with_empty = _one([10, 0, 20], [1.0, 99.0, 3.0])
    assert with_empty["n_units"] == 2
    pd.testing.assert_series_equal(base[FLOATS], with_empty[FLOATS], check_names=False)
    empty = _one([0, 0], [1.0, 2.0])
    assert empty["n_units"] == 0 and empty["null_reason"] == "no unit with students"
    assert all(math.isnan(empty[c]) for c in FLOATS if c != "students")


def test_one_unit():
    row = _one([40], [7.0], ["210"])
    assert row["gini"] == 0 and row["theil_t"] == 0 and row["mcloone"] == 1 and row["verstegen"] == 1
    assert row["min_value"] == row["max_value"] == 7.0


# -- decomposition, area modes, vectorisation ----------------------------------------------------------


@pytest.mark.parametrize("area_mode", ["urban_rural", "three_way"])
def test_between_plus_within_is_the_total(area_mode):
    got = equity_measures(_random_cases(200, seed=9), ["case"], area_mode=area_mode)
    for index in ("theil_t", "theil_l"):
        np.testing.assert_allclose(got[f"{index}_between"] + got[f"{index}_within"], got[index],
                                   rtol=1e-10, atol=1e-14)
    assert ((got["theil_t_between"] >= -1e-15) & (got["theil_t_within"] >= -1e-15)).all()
    np.testing.assert_allclose(got["theil_t_between_share"], got["theil_t_between"] / got["theil_t"])


def test_area_codes():
    codes = pd.Series(["111", "112", "121", "122", "123", "210", "220", None, "9", "1"])
    assert area_codes(codes).tolist() == [0, 0, 0, 0, 0, 1, 1, -1, -1, 0]
    assert area_codes(codes, "three_way").tolist() == [0, 0, 1, 1, 1, 2, 2, -1, -1, -1]
    with pytest.raises(ValueError, match="area_mode"):
        area_codes(codes, "four_way")


def test_three_way_split_has_more_between_than_two_way():
    # town schools are much richer than city ones: invisible urban/rural, visible 城区/镇区/乡村
    row2 = _one([100, 100, 100], [2.0, 8.0, 5.0], ["111", "121", "210"])
    row3 = _one([100, 100, 100], [2.0, 8.0, 5.0], ["111", "121", "210"], area_mode="three_way")
    assert row2["theil_t"] == row3["theil_t"]
    assert row2["theil_t_between"] == pytest.approx(0.0, abs=1e-15)
    assert row3["theil_t_between"] == pytest.approx(row3["theil_t"], rel=1e-12)
    assert row2["urban_rural_parity"] == row3["urban_rural_parity"] == 1.0


def test_all_groups_at_once_equal_one_group_at_a_time():
    units = _random_cases(150, seed=21, zeros=True)
    units["county"] = np.where(units["case"] % 2 == 0, "210302", "210303")
    units.loc[units.sample(frac=0.02, random_state=1).index, "urban_rural"] = None
    keys = ["county", "case"]
    shuffled = units.sample(frac=1.0, random_state=2)
    together = equity_measures(shuffled, keys).sort_values(keys, ignore_index=True)
    alone = pd.concat([equity_measures(g, keys) for _, g in units.groupby(keys)], ignore_index=True)
    assert list(together.columns) == [*keys, *MEASURE_COLUMNS]
    pd.testing.assert_frame_equal(together, alone.sort_values(keys, ignore_index=True), rtol=1e-12)


def test_values_too_close_for_the_sort_key_still_come_out_right():
    # differences far below the fast sort key's resolution: the exact fallback must take over
    x = 1e6 + np.array([3, 1, 2, 0], dtype=float) * np.spacing(1e6)
    row = _one([1, 1, 1, 1], x)
    assert row["min_value"] == x.min() and row["max_value"] == x.max()
    assert row["restricted_range"] == x.max() - x.min()


def test_close_values_among_ordinary_groups_are_re_sorted_exactly():
    units = _random_cases(50, seed=4)
    close = 1e6 + np.array([3, 1, 2, 0, 5, 4], dtype=float) * np.spacing(1e6)
    units = pd.concat([units, pd.DataFrame({"case": 50, "students": [3, 1, 4, 1, 5, 9], "value": close,
                                            "urban_rural": "210"})], ignore_index=True)
    together = equity_measures(units.sample(frac=1.0, random_state=5), ["case"]).sort_values("case")
    alone = pd.concat([equity_measures(g, ["case"]) for _, g in units.groupby("case")])
    pd.testing.assert_frame_equal(together.reset_index(drop=True), alone.reset_index(drop=True), rtol=1e-12)
    row = together.set_index("case").loc[50]
    assert row["restricted_range"] == close[4] - close[1]  # P5 in the 1-pupil unit at +1, P95 at +5


@pytest.mark.parametrize("layout", ["runs", "shuffled"])
def test_key_codes_equal_the_coefficient_kernels_group_codes(layout):
    rng = np.random.default_rng(8)
    n = 5000
    frame = pd.DataFrame({
        "year": np.repeat([2023, 2024], n // 2),
        "county": np.repeat(rng.choice(["210302", "210303", None, "210311"], n // 50), 50),
        "level": np.tile(np.repeat(["primary", "junior"], 25), n // 50),
        "x": np.repeat(rng.choice([1.5, np.nan, 2.5], n // 10), 10),
    })
    frame["cat"] = pd.Categorical(frame["level"])
    if layout == "shuffled":
        frame = frame.sample(frac=1.0, random_state=3)
    keys = ["year", "county", "level", "x", "cat"]
    np.testing.assert_array_equal(key_codes(frame, keys), group_codes(frame, keys))
    np.testing.assert_array_equal(key_codes(frame, ["county"]), group_codes(frame, ["county"]))


def test_empty_input_has_the_columns():
    out = equity_measures(_frame([], []).iloc[:0], ["group"])
    assert list(out.columns) == ["group", *MEASURE_COLUMNS] and out.empty


@pytest.mark.parametrize("area_mode", ["urban_rural", "three_way"])
def test_a_tiny_index_keeps_its_between_part_within_the_total(area_mode):
    """A national backfill's county 370023, junior R1 of 2020: two schools, one town and one village, with
    1,482 and 1,306 pupils and R1 5.668016… and 5.666156… (0.03 % apart). With one unit per area the
    within part is exactly 0 (each area's own index is 0), so the between part is the whole of T and the
    share exactly 1 — by hand, whatever T's rounding. Computed apart, the between part came out 1.1e-16
    above T: a share of 1.0000000084, which the blocking GX check refused."""
    row = _one([1482, 1306], [5.668016194331984, 5.666156202143951], ["111", "210"], area_mode=area_mode)
    assert 0 < row["theil_t"] < 1e-7 and 0 < row["theil_l"] < 1e-7
    for index in ("theil_t", "theil_l"):  # 0 by hand; never below it, the between part never above the total
        assert 0.0 <= row[f"{index}_within"] <= 1e-15 and 0.0 <= row[f"{index}_between"] <= row[index], index
    assert 1.0 - 1e-6 < row["theil_t_between_share"] <= 1.0

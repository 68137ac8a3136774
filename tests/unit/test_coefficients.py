"""The difference coefficient against the spec's worked example, hand-worked edge cases, and an
independent per-group implementation (plain Python over each group) on random data."""

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from equity.coefficients import comprehensive_cv, county_coefficients
from equity.warehouse import compute_coefficients

STUDENTS = [45, 37, 89, 76, 55]
BOOKS = [279, 137, 935, 160, 402]


def _frame(students, values, county="c1", code="B5"):
    return pd.DataFrame({"county": county, "indicator_code": code, "students": students, "value": values})


def test_worked_example_is_0_5153_and_not_the_unweighted_0_489():
    values = [b / s for b, s in zip(BOOKS, STUDENTS, strict=True)]
    row = county_coefficients(_frame(STUDENTS, values), ["county"]).iloc[0]
    assert row["weighted_mean"] == pytest_approx(1913 / 302)
    assert abs(row["weighted_mean"] - 6.3344) < 5e-5
    assert abs(row["std_dev"] - 3.2639) < 5e-5
    assert abs(row["cv"] - 0.5153) < 5e-5
    unweighted = np.std(values) / np.mean(values)
    assert abs(unweighted - 0.489) < 5e-4 and abs(row["cv"] - unweighted) > 0.02


def pytest_approx(x, rel=1e-12):
    import pytest

    return pytest.approx(x, rel=rel)


def test_one_unit_gives_zero():
    row = county_coefficients(_frame([120], [7.0]), ["county"]).iloc[0]
    assert row["cv"] == 0.0 and row["n_units"] == 1


def test_zero_mean_is_null_with_reason():
    row = county_coefficients(_frame([10, 20], [0.0, 0.0]), ["county"]).iloc[0]
    assert math.isnan(row["cv"])
    assert "mean is 0" in row["cv_null_reason"]


def test_units_without_students_are_dropped():
    with_empty = county_coefficients(_frame(STUDENTS + [0], [b / s for b, s in zip(BOOKS, STUDENTS, strict=True)]
                                            + [999.0]), ["county"]).iloc[0]
    assert with_empty["n_units"] == 5
    assert abs(with_empty["cv"] - 0.515257) < 1e-6


def test_a_missing_value_makes_the_group_null_not_shorter():
    row = county_coefficients(_frame([10, 20, 30], [1.0, np.nan, 3.0]), ["county"]).iloc[0]
    assert math.isnan(row["cv"])
    assert "1 unit(s) have no value" in row["cv_null_reason"]


def test_unknown_enrolment_is_missing_data():
    row = county_coefficients(_frame([10, np.nan, 30], [1.0, 2.0, 3.0]), ["county"]).iloc[0]
    assert math.isnan(row["cv"])


def test_groups_do_not_leak_into_each_other():
    a = _frame([100, 100], [1.0, 3.0], county="a")  # mean 2, S 1, CV 0.5
    b = _frame([300, 100], [2.0, 6.0], county="b")  # mean 3, S sqrt(3), CV 0.57735
    out = county_coefficients(pd.concat([b, a]), ["county"]).set_index("county")
    assert out.loc["a", "cv"] == pytest_approx(0.5)
    assert out.loc["b", "cv"] == pytest_approx(math.sqrt(3) / 3)


def test_comprehensive_is_the_mean_of_the_indicator_cvs():
    units = pd.concat([_frame([100, 100], [1.0, 3.0], code="R1"), _frame([300, 100], [2.0, 6.0], code="R2")])
    per = county_coefficients(units, ["county"])
    comp = comprehensive_cv(per, ["county"]).iloc[0]
    assert comp["cv"] == pytest_approx((0.5 + math.sqrt(3) / 3) / 2)


def test_comprehensive_is_null_when_a_component_is():
    units = pd.concat([_frame([100, 100], [1.0, 3.0], code="R1"), _frame([100, 100], [0.0, 0.0], code="R2")])
    comp = comprehensive_cv(county_coefficients(units, ["county"]), ["county"]).iloc[0]
    assert math.isnan(comp["cv"]) and "R2" in comp["cv_null_reason"]


def _oracle(students, values):
    """Textbook definition, one group at a time, no numpy."""
    pairs = [(p, x) for p, x in zip(students, values, strict=True) if p > 0]
    total = sum(p for p, _ in pairs)
    mean = sum(p * x for p, x in pairs) / total
    s = math.sqrt(sum(p * (x - mean) ** 2 for p, x in pairs) / total)
    return mean, s, (s / mean if mean != 0 else None)


unit = st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["R1", "R5"]),
                 st.integers(min_value=0, max_value=3000), st.floats(min_value=0.0, max_value=5000.0))


@settings(max_examples=200, deadline=None)
@given(st.lists(unit, min_size=1, max_size=60))
def test_matches_an_independent_implementation(rows):
    df = pd.DataFrame(rows, columns=["county", "indicator_code", "students", "value"])
    got = county_coefficients(df, ["county"]).set_index(["county", "indicator_code"])
    for (county, code), g in df.groupby(["county", "indicator_code"]):
        if (g["students"] > 0).sum() == 0:
            assert math.isnan(got.loc[(county, code), "cv"])
            continue
        mean, s, cv = _oracle(g["students"].tolist(), g["value"].tolist())
        r = got.loc[(county, code)]
        assert r["weighted_mean"] == pytest_approx(mean, rel=1e-9) or abs(r["weighted_mean"] - mean) < 1e-9
        assert abs(r["std_dev"] - s) <= 1e-9 * max(1.0, s)
        if cv is None:
            assert math.isnan(r["cv"])
        else:
            assert abs(r["cv"] - cv) <= 1e-9 * max(1.0, cv)


def test_compute_coefficients_adds_one_comprehensive_row_per_group():
    units = pd.DataFrame({
        "year": 2024, "ruleset": "moe_2017", "county_code": ["1", "1", "1", "1", "2", "2"],
        "level": "primary", "indicator_code": ["R1", "R1", "R2", "R2", "R1", "R2"],
        "students": [100, 100, 100, 100, 50, 50], "value": [1.0, 3.0, 2.0, 2.0, 4.0, 5.0],
    })
    out = compute_coefficients(units)
    comp = out[out["indicator_code"] == "COMPREHENSIVE"].set_index("county_code")
    assert len(comp) == 2
    assert comp.loc["1", "cv"] == pytest_approx((0.5 + 0.0) / 2)
    assert comp.loc["2", "cv"] == 0.0

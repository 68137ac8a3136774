"""County-level feeds: county_finance and county_submission (the county's self-evaluation).

The items a county submits, their order and what kind of answer each takes (是/否, a veto, a percentage,
a year) come from the seeds (evaluation_items.csv, submission_rules.csv); only the ranges the values are
drawn from are the generator's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from synthetic.design import REF_YEAR, SUBMITTED_HISTORY, past
from synthetic.rules import RULES, SubmissionPart

if TYPE_CHECKING:
    from synthetic.roster import Roster

# computed items the synthetic counties also submit (the pipeline keeps the figure beside its own and
# flags a disagreement): G9 as the teachers feed gives it
ALSO_SUBMITTED = ("G9",)


def submitted_parts() -> tuple[SubmissionPart, ...]:
    """The parts a county submits, in the order of evaluation_items.csv, each once."""
    out: dict[str, SubmissionPart] = {}
    for item, source in RULES.items:
        if source == "submitted" or item in ALSO_SUBMITTED:
            for part in RULES.parts.get(item, ()):
                out.setdefault(part.code, part)
    return tuple(out.values())


PARTS = submitted_parts()
ITEMS = tuple(p.code for p in PARTS)
# the parts a synthetic county may fail at random (not a veto, the year, or a computed item)
MAY_FAIL = np.array([p.comparator in ("yes", "ge") and p.code not in ALSO_SUBMITTED for p in PARTS])
VETOES = np.array([p.comparator == "no" for p in PARTS])

# fmt: off
# percentage items: (pass lo, pass hi, fail lo, fail hi); tests check them against the seed's thresholds
PCT_RANGES = {
    "G11a": (10.5, 18.0, 6.0, 9.5), "G11b": (21.0, 35.0, 12.0, 19.0), "G13p": (100.0, 100.0, 97.0, 99.5),
    "G13j": (95.5, 100.0, 90.0, 94.5), "G14": (51.0, 65.0, 40.0, 48.0), "G15a": (87.0, 99.0, 78.0, 84.0),
    "Q2": (95.5, 99.6, 90.0, 94.5), "SR": (88.0, 97.0, 80.0, 84.5),
}
# fmt: on


def demo_plan(n_c: int) -> tuple[np.ndarray, np.ndarray]:
    """(fail, veto) per county x item for the demo units: none drawn (its values: fixed_values), no veto."""
    k = len(ITEMS)
    return np.zeros((n_c, k), bool), np.zeros((n_c, k), bool)


def synthetic_plan(rng: np.random.Generator, n_c: int) -> tuple[np.ndarray, np.ndarray]:
    """(fail, veto) per county x item for synthetic units: rare failures, one veto in all."""
    k = len(ITEMS)
    fail = rng.random((n_c, k)) < 0.012
    fail[:, ~MAY_FAIL] = False
    veto = np.zeros((n_c, k), bool)
    if n_c:
        veto_items = np.flatnonzero(VETOES)
        veto[rng.integers(0, n_c), veto_items[rng.integers(0, len(veto_items))]] = True
    return fail, veto


def fixed_values(codes: np.ndarray, year: int) -> np.ndarray:
    """(C, items) the values the demo's history fixes in `year` (design.SUBMITTED_HISTORY), nan elsewhere."""
    out = np.full((len(codes), len(ITEMS)), np.nan)
    for code, item, column in SUBMITTED_HISTORY:
        out[codes == code, ITEMS.index(item)] = getattr(past(year), column)
    return out


def county_tables(
    r: Roster, year: int, full_time: np.ndarray, trained: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The columns of county_finance and county_submission of one year (teachers: per stage unit)."""
    c = r.counties
    n_c = len(c.code)
    rng = np.random.default_rng([*r.key, year, 33])
    cs = np.round(c.salary * 1.035 ** (year - REF_YEAR) * np.exp(0.01 * rng.standard_normal(n_c)))
    teacher = np.round(cs * c.ratio).astype(np.int64)
    cs = cs.astype(np.int64)
    county_finance = {
        "county_code": c.code.astype(object),
        "teacher_avg_salary_yuan": teacher,
        "civil_servant_avg_salary_yuan": cs,
    }
    comp = r.units.stage < 2
    uc = r.schools.county[r.units.school][comp]
    ft_c = np.bincount(uc, weights=full_time[comp], minlength=n_c)
    tr_c = np.bincount(uc, weights=trained[comp], minlength=n_c)
    g9 = np.floor(1000 * tr_c / np.maximum(ft_c, 1)) / 10  # never rounds 99.96 up to 100.0
    return county_finance, _submission(r, rng, g9, fixed_values(c.code, year))


def _submission(r: Roster, rng: np.random.Generator, g9: np.ndarray, fixed: np.ndarray) -> dict[str, np.ndarray]:
    c = r.counties
    n_c, k = len(c.code), len(ITEMS)
    vals = np.empty((n_c, k), dtype=object)
    u = rng.random((n_c, k))
    for j, part in enumerate(PARTS):
        f = c.fail[:, j]
        if part.comparator == "yes":
            vals[:, j] = np.where(f, "否", "是")
        elif part.comparator == "no":
            vals[:, j] = np.where(c.veto[:, j], "是", "否")
        elif part.comparator == "years_before":
            vals[:, j] = c.basic_year.astype(str)
        elif part.code == "G9":
            vals[:, j] = np.char.mod("%.1f", g9)
        else:
            plo, phi, flo, fhi = PCT_RANGES[part.code]
            v = np.where(f, flo + u[:, j] * (fhi - flo), plo + u[:, j] * (phi - plo))
            v = np.where(np.isnan(fixed[:, j]), v, fixed[:, j])
            vals[:, j] = np.char.mod("%.1f", np.round(v, 1))
    items = np.tile(np.array(ITEMS, dtype=object), n_c)
    answered = np.tile(np.array([p.comparator in ("yes", "no") for p in PARTS]), n_c)
    evidence = np.where(answered, "（合成）督导自评报告", "（合成）统计台账")
    return {
        "county_code": np.repeat(c.code.astype(object), k),
        "item_code": items,
        "value": vals.ravel(),
        "evidence": evidence.astype(object),
    }

"""What the generator makes: the design of the demo units and the national averages of the synthetic ones.

Numbers are shaped by the resource floors of the evaluation (evaluation-method.md §2): most school units
sit at 1.1-2x each floor, with rural schools richer in area and teachers per pupil and urban schools richer
in equipment. Whole-school facilities are sized by weighted enrolment (primary 1, junior 1.1, senior 1.32;
完全中学 junior 1 : senior 1.2), as the pipeline apportions them.

Demo design -- the nine Anshan units, what each is meant to show. It holds for any seed in REF_YEAR (2024)
and every later year (checked for seeds 0-7, years 2024-2028); earlier years follow the history below. The
figures are seed 0, year 2024. "Coefficient" = the student-weighted CV of evaluation-method.md §4; MoE rule =
every indicator's CV <= cap; Anshan rule = mean of the seven <= cap; caps 0.50 primary / 0.45 junior.

  210302 铁东区            Urban core, no teaching points. Every unit clears every floor, coefficients
                           <= 0.18, every submitted item passes -> READY under both rule sets.
  210303 铁西区            Every school passes, but county-level backbone teachers (R2) sit in three big
                           urban primary schools; their number is calibrated each year so that the primary R2
                           coefficient is 0.51 (just above 0.50: fails the MoE per-indicator rule) while the
                           primary comprehensive coefficient is 0.20 (passes the Anshan rule) -> the verdict
                           depends on the rule set (cf. the real 2023 case 0.5018 / 0.3675).
  210304 立山区            Resources and balance pass; submitted teacher rotation G11a = 8.0 % (< 10 %)
                           -> NOT READY on one government-guarantee item only.
  210311 千山区            Suburban district with village schools and teaching points; resources pass;
                           social recognition SR = 83.0 % (< 85 %, also a veto) -> NOT READY on the survey.
  210321 台安县            Four under-equipped village primary schools (and their teaching points): sports
                           area R5 ≈ 0.6-0.7x and equipment R6 ≈ 0.45-0.6x the floor -> 2 misses, they fail
                           the school rule -> NOT READY (school rule); coefficients pass.
  210323 岫岩满族自治县      Very unequal junior schools: two county-town 初级中学 and the 完全中学 at ≈ 4x the
                           floors, every other junior unit at 1.06-1.2x -> junior R2 and R4-R7 coefficients
                           0.52-0.66, comprehensive 0.54 (> 0.45: balance fails under both rules) although
                           every school passes; primary is balanced -> NOT READY (junior balance).
  210381 海城市            One overcrowded town junior school (~1770 pupils in 33 classes of ~54, built for
                           ~1100): R1 qualified teachers (0.84x), R4 floor area (0.74x), R5 sports area (0.7x)
                           below the floors -> fails the school rule; its classes also fail G5 (none over 50)
                           -> NOT READY (school rule, G5).
  210391 鞍山高新技术产业开发区  Small zone (zone code synthetic), all pass -> READY.
  210392 鞍山经济开发区      Small zone with two teaching points (zone code synthetic), all pass -> READY.

History -- the years before REF_YEAR (table HISTORY, years before 2018 as 2018); k = 2024 - year. Staff
and buildings stay sized by the design's pupils and every random draw stays where it is: only the rows below
change.
  210321 台安县    The four village schools' (and their teaching points') R5 and R6 factors 0.04 k lower
                  (2018: R5 ≈ 0.42-0.46x, R6 ≈ 0.24-0.32x the floor): failing every year, less each year.
  210323 岫岩      The poorer junior units' R2 factor 0.06 k lower, and the R4-R7 factors of the poorer 初级中学
                  (nine-year schools' whole-school facilities stay): junior R2 and R4-R7 coefficients ≈ 0.02 k
                  higher (2018: 0.67-0.79, comprehensive 0.64); up to 2022 these units are below the floors
                  (they fail the school rule too) -> NOT READY every year, less unequal each year.
  210381 海城市    The town junior school was at its capacity (~1100 pupils, classes of ~44: R1 1.35x, R4 1.17x,
                  R5 1.11x, no class over 50) up to 2021, with today's staff and building; in 2022 ~650 pupils
                  of every grade came (Q1 ≈ 100 % in 2022-2023) -> passes everything in 2018-2021 (READY in
                  2020-2021; 2018-2019 lack Q1's entrants of year - 2), NOT READY from 2022 as today.
  210304 立山区    G11a 9.0 in 2018-2019 (fails), 10.5 in 2020-2021 (passes: READY), 8.0 from 2022.
  210311 千山区    SR 79.0 in 2018, ≈ 0.67 a year more, 83.0 in 2024: fails every year.
The others are as today (铁西区's R2 is calibrated every year); synthetic units have no history. Two things the
early years show come from the design, not the history: PREREQ (basic balance certified 3 years before,
DEMO_BASIC_YEAR) fails for 台安县 and 鞍山经济开发区 in 2018 and 岫岩 in 2018-2019; and cohorts were larger, so
in 2018 a school may pass the G4 size (seed 0: a 铁西区 hub school, 2011 pupils). Checked through the pipeline
(seed 0, 2018-2024): READY (MoE rules) in 2020-2021 铁东, 立山, 海城, 高新区, 经开区; in 2022-2024 铁东, 高新区,
经开区. The city's plan table (optional feed county_plan, DEMO_PLANS; synthetic.write_demo_plan) is delivered
in 2020 (every unit for 2023) and revised in 2024. The evaluation process (optional feed county_certification,
DEMO_CERTIFICATIONS; synthetic.write_demo_certification): 铁东区 passed 县自评 and 市复核 in 2019 and 省评估验收 in
2020 (delivered in 2020), 国家评估认定 in 2022 (delivered in 2022); 高新区 and 经开区 省评估验收 in 2021 (delivered
in 2021), the year the 2024 plan table gives them. The 2020 plan table lists 铁东区 for 2020, the year it applied.

The computed G items (G3-G8, G12, Q1, Q4) pass in every Anshan unit except 海城市's G5 (from 2022). Synthetic
units beyond the nine follow national averages with a realistic scatter of failures; about 15-20 % of them
come out ready (seed 0, 2024, 191 units: 27 % have a school failing the school rule, 19 % an indicator
coefficient over the cap and 4 % the comprehensive one, 60 % a computed G/Q item -- oversize classes or
schools, music/art rooms, training budgets, uncertified teachers, unfunded small village schools, salary
gap, consolidation -- and 30 % a submitted item, mostly G9 < 100 %). Exactly one veto item is answered 是, in
one synthetic unit.

Codes used: school_id = 2-digit category (21 小学, 09 教学点, 31 初级中学, 32 九年一贯制, 33 职业初中, 34 完全中学,
35 十二年一贯制, 05 特殊教育; a synthetic scheme, leading zeros on purpose) + 2-digit province (21 for Anshan)
+ 6-digit serial.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ingestion import contract
from synthetic.rules import RULES

REF_YEAR = 2024

# school types, in the generator's own index order; labels are the contract's Chinese spelling
TYPE_CODES = ("primary", "teaching_point", "junior", "nine_year", "vocational_junior", "complete_secondary",
              "twelve_year", "special")
PRI, TP, JUN, NINE, VOC, FULL, TWELVE, SPED = range(8)
SCHOOL_TYPES = tuple(contract.SCHOOL_TYPES[t][0] for t in TYPE_CODES)
STAGE_CODES = ("primary", "junior", "senior")
STAGES = tuple(contract.STAGES[s][0] for s in STAGE_CODES)
# stages a school of each type has: the contract's, except that special schools get no senior pupils
HAS_STAGE = np.array([[s in contract.STAGES_BY_TYPE[t] for s in STAGE_CODES] for t in TYPE_CODES])
HAS_STAGE[SPED, 2] = False
GRADES = np.array([6, 3, 3])
UR_CODES = contract.URBAN_RURAL_CODES
# 0 城区 (11x), 1 镇区 (12x), 2 乡村 (2xx)
UR_CLASS = np.array([0 if c.startswith("11") else 1 if c.startswith("1") else 2 for c in UR_CODES])

# fmt: off
TYPE_CATEGORY = np.array(["21", "09", "31", "32", "33", "34", "35", "05"])
TYPE_SUFFIX = np.array(["小学", "教学点", "初级中学", "九年一贯制学校", "职业初级中学", "中学", "十二年一贯制学校",
                        "特殊教育学校"])

# resource floors R1..R7 by stage (standards.csv; senior: not evaluated, the junior floors size it)
THR = np.array([RULES.floors["primary"], RULES.floors["junior"], RULES.floors["junior"]])
# weights of the pipeline's split of whole-school resources between levels (dbt vars split_weight_*)
STAGE_W = np.array(RULES.stage_weights)
FULL_W = np.array(RULES.complete_weights)
TYPE_W = np.array([FULL_W if t == FULL else STAGE_W for t in range(8)])
# facility sizing per weighted pupil: max over compulsory stages of floor / weight, so every level clears it
TYPE_T = np.array([[max(THR[s, k] / TYPE_W[t, s] for s in (0, 1) if HAS_STAGE[t, s]) for k in range(3, 7)]
                   for t in range(8)])

ANSHAN = (
    ("210302", "铁东区"), ("210303", "铁西区"), ("210304", "立山区"), ("210311", "千山区"), ("210321", "台安县"),
    ("210323", "岫岩满族自治县"), ("210381", "海城市"), ("210391", "鞍山高新技术产业开发区"), ("210392", "鞍山经济开发区"),
)
PROVINCES = np.array(["11", "12", "13", "14", "15", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
                      "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"])

# roles (demo scenarios; synthetic blocks only use NORMAL and LOW)
NORMAL, R2HUB, XY_HUB, XY_LOW, UNDER, CROWD, LOW = range(7)
FLOOR = 1.06  # normal school units sit at >= 1.06x every floor

# mean factor over the floor for R1..R7 by urban-rural class (城区, 镇区, 乡村)
FMEAN = np.array([[1.35, 1.45, 1.40, 1.30, 1.20, 1.70, 1.60],
                  [1.45, 1.35, 1.35, 1.45, 1.50, 1.45, 1.45],
                  [1.70, 1.30, 1.45, 1.70, 1.85, 1.30, 1.35]])

# (county, type, urban_rural, n, size_lo, size_hi, role) -- size = pupils in the reference year
DEMO_SPEC = (
    # 铁东区: urban core
    (0, PRI, "111", 13, 800, 1650, NORMAL), (0, PRI, "112", 6, 450, 1200, NORMAL),
    (0, JUN, "111", 6, 800, 1600, NORMAL), (0, JUN, "112", 2, 500, 1000, NORMAL),
    (0, NINE, "111", 2, 1200, 2200, NORMAL), (0, FULL, "111", 1, 1800, 2600, NORMAL),
    (0, TWELVE, "111", 1, 1800, 2800, NORMAL), (0, SPED, "111", 1, 80, 160, NORMAL),
    # 铁西区: three big primary schools hold most backbone teachers
    (1, PRI, "111", 3, 1400, 1650, R2HUB), (1, PRI, "111", 9, 700, 1400, NORMAL),
    (1, PRI, "112", 6, 400, 1000, NORMAL), (1, JUN, "111", 5, 700, 1500, NORMAL),
    (1, JUN, "112", 2, 400, 900, NORMAL), (1, NINE, "112", 2, 800, 1600, NORMAL), (1, SPED, "111", 1, 60, 120, NORMAL),
    # 立山区
    (2, PRI, "111", 11, 700, 1650, NORMAL), (2, PRI, "112", 5, 400, 1000, NORMAL),
    (2, JUN, "111", 5, 700, 1500, NORMAL), (2, JUN, "112", 1, 400, 900, NORMAL),
    (2, NINE, "112", 2, 700, 1500, NORMAL), (2, FULL, "111", 1, 1600, 2400, NORMAL), (2, SPED, "111", 1, 60, 120, NORMAL),
    # 千山区: suburban/rural district
    (3, PRI, "112", 3, 500, 1200, NORMAL), (3, PRI, "121", 6, 300, 900, NORMAL), (3, PRI, "210", 6, 120, 400, NORMAL),
    (3, PRI, "220", 6, 60, 250, NORMAL), (3, JUN, "121", 4, 300, 900, NORMAL), (3, JUN, "210", 2, 150, 400, NORMAL),
    (3, NINE, "210", 3, 200, 450, NORMAL), (3, NINE, "220", 1, 100, 300, NORMAL), (3, TP, "220", 8, 0, 0, NORMAL),
    (3, TP, "210", 2, 0, 0, NORMAL),
    # 台安县: four under-equipped village primary schools
    (4, PRI, "111", 4, 800, 1600, NORMAL), (4, PRI, "121", 8, 300, 1200, NORMAL), (4, PRI, "210", 10, 100, 400, NORMAL),
    (4, PRI, "220", 8, 60, 300, NORMAL), (4, PRI, "220", 4, 120, 300, UNDER), (4, JUN, "111", 2, 900, 1600, NORMAL),
    (4, JUN, "121", 5, 300, 1000, NORMAL), (4, JUN, "210", 5, 150, 400, NORMAL), (4, NINE, "121", 1, 500, 1200, NORMAL),
    (4, NINE, "210", 3, 150, 400, NORMAL), (4, FULL, "111", 1, 1600, 2400, NORMAL), (4, SPED, "111", 1, 50, 120, NORMAL),
    (4, TP, "220", 16, 0, 0, NORMAL), (4, TP, "210", 4, 0, 0, NORMAL),
    # 岫岩满族自治县: county-town junior schools far richer than the rest
    (5, PRI, "111", 3, 900, 1650, NORMAL), (5, PRI, "121", 6, 300, 900, NORMAL), (5, PRI, "210", 12, 100, 400, NORMAL),
    (5, PRI, "220", 14, 60, 300, NORMAL), (5, JUN, "111", 2, 1100, 1400, XY_HUB), (5, JUN, "121", 4, 300, 800, XY_LOW),
    (5, JUN, "210", 6, 150, 400, XY_LOW), (5, JUN, "220", 4, 100, 250, XY_LOW), (5, NINE, "210", 4, 150, 400, XY_LOW),
    (5, NINE, "220", 2, 100, 250, XY_LOW), (5, FULL, "111", 1, 2000, 2400, XY_HUB), (5, SPED, "111", 1, 50, 100, NORMAL),
    (5, TP, "220", 22, 0, 0, NORMAL), (5, TP, "210", 4, 0, 0, NORMAL),
    # 海城市: one overcrowded town junior school
    (6, PRI, "111", 12, 800, 1650, NORMAL), (6, PRI, "112", 5, 500, 1200, NORMAL), (6, PRI, "121", 14, 300, 1200, NORMAL),
    (6, PRI, "122", 4, 300, 800, NORMAL), (6, PRI, "210", 14, 100, 400, NORMAL), (6, PRI, "220", 12, 60, 300, NORMAL),
    (6, JUN, "111", 5, 900, 1650, NORMAL), (6, JUN, "112", 2, 600, 1200, NORMAL), (6, JUN, "121", 1, 1750, 1750, CROWD),
    (6, JUN, "121", 6, 400, 1200, NORMAL), (6, JUN, "122", 1, 300, 800, NORMAL), (6, JUN, "210", 6, 150, 450, NORMAL),
    (6, NINE, "121", 2, 600, 1400, NORMAL), (6, NINE, "210", 3, 150, 400, NORMAL), (6, FULL, "111", 2, 1800, 2800, NORMAL),
    (6, TWELVE, "112", 1, 1600, 2600, NORMAL), (6, SPED, "111", 1, 80, 180, NORMAL), (6, VOC, "121", 1, 200, 400, NORMAL),
    (6, TP, "220", 18, 0, 0, NORMAL), (6, TP, "210", 4, 0, 0, NORMAL),
    # 鞍山高新技术产业开发区
    (7, PRI, "111", 4, 700, 1600, NORMAL), (7, PRI, "112", 2, 400, 900, NORMAL), (7, JUN, "111", 2, 700, 1400, NORMAL),
    (7, NINE, "111", 1, 900, 1800, NORMAL),
    # 鞍山经济开发区
    (8, PRI, "112", 3, 400, 1000, NORMAL), (8, PRI, "121", 2, 300, 800, NORMAL), (8, JUN, "112", 1, 500, 1000, NORMAL),
    (8, JUN, "121", 1, 300, 800, NORMAL), (8, NINE, "122", 1, 300, 900, NORMAL), (8, TP, "220", 2, 0, 0, NORMAL),
)
DEMO_BASIC_YEAR = (2013, 2013, 2014, 2015, 2016, 2017, 2015, 2014, 2016)
R2_TARGET_CV = 0.512  # 铁西区 primary R2 coefficient (just above the 0.50 cap)


class Past(NamedTuple):
    """One year of the demo's history: what differed from REF_YEAR (the last row, whose changes are none)."""

    year: int
    under: float  # 台安: change of the R5, R6 factors over the floor of the UNDER schools (and teaching points)
    poor: float  # 岫岩: change of the R2 (junior units) and R4-R7 factors of the XY_LOW schools
    crowded: bool  # 海城: the CROWD school crowded (else CROWD_CAPACITY pupils in classes of CALM_CLASS)
    g11a: float  # 立山区's submitted G11a (%)
    sr: float  # 千山区's submitted SR (%)


HISTORY = (
    Past(2018, -0.24, -0.36, False,  9.0, 79.0),
    Past(2019, -0.20, -0.30, False,  9.0, 79.7),
    Past(2020, -0.16, -0.24, False, 10.5, 80.3),
    Past(2021, -0.12, -0.18, False, 10.5, 81.0),
    Past(2022, -0.08, -0.12, True,   8.0, 81.7),
    Past(2023, -0.04, -0.06, True,   8.0, 82.3),
    Past(REF_YEAR, 0.0, 0.0, True,   8.0, 83.0),
)
# which factors a column of HISTORY changes: (role, level, indicators 0-6 = R1-R7, column): the teacher factors
# of the role's units of that level; facilities (whole-school) only where it is the school's one compulsory
# level. A role's teaching points share their central school's history.
FACTOR_HISTORY = ((UNDER, 0, (4, 5), "under"), (XY_LOW, 1, (1, 3, 4, 5, 6), "poor"))
# 海城's town junior school before it was crowded: pupils at its capacity, in classes of CALM_CLASS; its staff
# and building are the design's (sized for today's pupils), so it clears the floors
CROWD_CAPACITY, CALM_CLASS = 1100.0, 44.0
# submitted values of HISTORY's columns: (county code, item, column)
SUBMITTED_HISTORY = (("210304", "G11a", "g11a"), ("210311", "SR", "sr"))
# the city's plan table (optional feed county_plan) by the year it was delivered: (county code, planned year,
# budget in yuan a year or None). 2020: the original, every unit for 2023; 2024: the revision (千山区: no plan)
DEMO_PLANS = {
    2020: (
        ("210302", 2020, None), ("210303", 2023, None), ("210304", 2023, None), ("210311", 2023, None),
        ("210321", 2023, None), ("210323", 2023, None), ("210381", 2023, None), ("210391", 2023, None),
        ("210392", 2023, None),
    ),
    2024: (
        ("210302", 2020, None), ("210303", 2025, 2_000_000), ("210304", 2024, None), ("210321", 2023, None),
        ("210323", 2026, 30_000_000), ("210381", 2025, 8_000_000), ("210391", 2021, None), ("210392", 2021, None),
    ),
}
# the evaluation process (optional feed county_certification) by the year it was delivered: (county code,
# stage as the city writes it, year passed, document or None). A delivery lists the stages passed since
# the last one (rows accumulate): 铁东区 reviewed and evaluated by 2020 (READY in 2020), certified in 2022
DEMO_CERTIFICATIONS = {
    2020: (
        ("210302", "县自评", 2019, None), ("210302", "市复核", 2019, None),
        ("210302", "省评估验收", 2020, "辽教督〔2020〕12号"),
    ),
    2021: (
        ("210391", "省评估验收", 2021, "辽教督〔2021〕7号"), ("210392", "省评估验收", 2021, "辽教督〔2021〕7号"),
    ),
    2022: (
        ("210302", "国家评估认定", 2022, "教督函〔2022〕8号"),
    ),
}

# synthetic counties: kind 0 市辖区, 1 县/县级市, 2 开发区
KIND_P = np.array([0.30, 0.65, 0.05])
KIND_SCHOOLS = np.array([58.0, 74.0, 24.0])
KIND_TPS = np.array([3.0, 26.7, 2.0])
KIND_TYPE_P = np.array([
    # PRI   TP   JUN    NINE   VOC    FULL   TWELVE SPED
    [0.692, 0.0, 0.190, 0.060, 0.001, 0.025, 0.007, 0.025],
    [0.7265, 0.0, 0.155, 0.090, 0.0005, 0.012, 0.004, 0.012],
    [0.620, 0.0, 0.200, 0.150, 0.000, 0.020, 0.010, 0.000],
])
# urban-rural code probabilities by kind and group (小学 / 初中+九年 / central); columns in the order of
# UR_CODES, the contract's (111 112 121 122 123 210 220)
UR_P = np.array([
    [[.55, .22, .08, .04, .01, .05, .05], [.55, .22, .10, .04, .01, .05, .03], [.60, .25, .15, 0, 0, 0, 0]],
    [[.08, .07, .20, .08, .01, .24, .32], [.10, .08, .30, .10, .01, .26, .15], [.40, .15, .40, .05, 0, 0, 0]],
    [[.30, .30, .15, .10, .00, .10, .05], [.30, .30, .20, .10, .00, .07, .03], [.50, .30, .20, 0, 0, 0, 0]],
])
TYPE_GROUP = np.array([0, 0, 1, 1, 2, 2, 2, 2])
# reference-year pupils (lo, hi) by type and urban-rural class
SIZE = np.array([
    [[800, 1950], [300, 1500], [60, 400]],      # 小学
    [[10, 120], [10, 120], [10, 120]],          # 教学点 (own mixture)
    [[800, 1950], [300, 1500], [100, 450]],     # 初级中学
    [[900, 2400], [400, 1500], [100, 450]],     # 九年一贯制
    [[150, 500], [150, 500], [150, 500]],       # 职业初中
    [[1200, 3000], [800, 2200], [600, 1500]],   # 完全中学
    [[1200, 3000], [800, 2200], [800, 2000]],   # 十二年一贯制
    [[40, 250], [40, 250], [40, 250]],          # 特殊教育
], dtype=float)
# class-size targets (lo, hi) by stage and urban-rural class; teaching points 8-20
CLASS_T = np.array([[[36, 42], [30, 41], [18, 34]],
                    [[40, 47], [36, 46], [28, 42]],
                    [[40, 48], [40, 48], [38, 46]]], dtype=float)
# share of qualified teachers (primary: 专科+, junior/senior: 本科+) by stage and urban-rural class
PQ = np.array([[0.995, 0.98, 0.95], [0.95, 0.90, 0.85], [0.97, 0.97, 0.95]])
PG_SHARE = np.array([[0.06, 0.03, 0.01], [0.10, 0.05, 0.03], [0.12, 0.10, 0.08]])  # 研究生 among qualified
BACH_SHARE_PRI = np.array([0.85, 0.74, 0.60])  # 本科 among qualified non-研究生, primary
# fmt: on
if UR_P.shape[-1] != len(UR_CODES):
    raise ValueError("UR_P has a column per urban-rural code of the contract")
if [p.year for p in HISTORY] != list(range(HISTORY[0].year, REF_YEAR + 1)) or HISTORY[-1][1:4] != (0, 0, True):
    raise ValueError("HISTORY has a row a year up to REF_YEAR, whose factors are today's")
if any(i in (0, 2) for _, _, indicators, _ in FACTOR_HISTORY for i in indicators):
    raise ValueError("FACTOR_HISTORY changes no R1 or R3: their teachers feed random draws (all later ones move)")


def past(year: int) -> Past:
    """The demo in `year`: its row of HISTORY (before the first, the first; from REF_YEAR on, REF_YEAR's)."""
    return HISTORY[min(max(year - HISTORY[0].year, 0), len(HISTORY) - 1)]

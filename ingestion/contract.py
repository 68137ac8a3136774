"""The feed contract (../shared/spec/feeds.md) as data: feeds, columns, Chinese labels, types.

Everything that reads, validates, loads or generates a feed takes its column list from here, so a
column is named once.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

EXTENSIONS = ("csv", "xlsx", "parquet")


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    kind: str  # text | int | num | bool | enum
    required: bool = False  # a blank cell breaks the row
    min_value: float | None = None
    min_exclusive: bool = False
    values: tuple[str, ...] = ()  # enum: accepted canonical values
    pattern: str | None = None  # text: a full-match regular expression
    # enum: (code, spellings) pairs when this column's spellings are its own, not those the contract
    # gives every column of its name (ENUM_SPELLINGS): county_certification's `stage` is no school 学段
    spellings: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def sql_type(self) -> str:
        return {"int": "BIGINT", "num": "DOUBLE", "bool": "BOOLEAN"}.get(self.kind, "VARCHAR")


@dataclass(frozen=True)
class Feed:
    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional_columns: tuple[Column, ...] = field(default_factory=tuple)
    # Columns a file must have; any other contract column may be absent (its values are then NULL
    # and what depends on them is unknown, never zero).
    must_have: tuple[str, ...] = ()
    # An optional feed (unit_costs, county_plan, county_certification): when absent, documented defaults,
    # "no plan" or "nothing certified since" apply; the census, finance and submission feeds are the
    # core every year delivers.
    optional: bool = False

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.key, *self.must_have)))

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + self.optional_columns

    def column(self, name: str) -> Column:
        for c in self.all_columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _count(name: str, zh: str, required: bool = False) -> Column:
    return Column(name, zh, "int", required=required, min_value=0)


def _amount(name: str, zh: str, required: bool = False, positive: bool = False) -> Column:
    return Column(name, zh, "num", required=required, min_value=0, min_exclusive=positive)


SCHOOL_ID = Column("school_id", "学校标识码", "text", required=True, pattern=r"\d{10}")
COUNTY_CODE = Column("county_code", "县级单位代码", "text", required=True, pattern=r"[0-9A-Za-z]{6,12}")

# Canonical school types, with every spelling the contract accepts (Chinese, English).
SCHOOL_TYPES: dict[str, tuple[str, ...]] = {
    "primary": ("小学", "primary", "primary school"),
    "teaching_point": ("小学教学点", "教学点", "teaching point", "teaching_point"),
    "junior": ("初级中学", "初中", "junior", "junior secondary school", "junior middle school"),
    "nine_year": ("九年一贯制学校", "九年一贯制", "nine-year school", "nine_year"),
    "vocational_junior": ("职业初中", "vocational junior", "vocational_junior"),
    "complete_secondary": ("完全中学", "complete secondary school", "complete_secondary"),
    "twelve_year": ("十二年一贯制学校", "十二年一贯制", "twelve-year school", "twelve_year"),
    "special": ("特殊教育学校", "special education school", "special"),
}
STAGES: dict[str, tuple[str, ...]] = {
    "primary": ("小学", "primary"),
    "junior": ("初中", "junior"),
    "senior": ("高中", "senior"),
}
# Stages a school of each type may report (rule `stage_for_type`).
STAGES_BY_TYPE: dict[str, tuple[str, ...]] = {
    "primary": ("primary",),
    "teaching_point": ("primary",),
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "vocational_junior": ("junior",),
    "complete_secondary": ("junior", "senior"),
    "twelve_year": ("primary", "junior", "senior"),
    "special": ("primary", "junior", "senior"),
}
# The scale a county_submission row states for its value (optional column `scale`): without it, a
# percentage item's value in (0, 1] is ambiguous (0.9: 90 % written as a fraction, or 0.9 %?).
SCALES: dict[str, tuple[str, ...]] = {
    "percent": ("percent", "百分比", "百分数", "%"),
    "fraction": ("fraction", "小数", "比例"),
}
# The two levels of compulsory education a unit or a cost belongs to (学段).
LEVELS: dict[str, tuple[str, ...]] = {
    "primary": ("小学", "primary"),
    "junior": ("初中", "junior"),
}
# The stages of the evaluation process a county passes (评估认定进程), in their order (stage_rank 1-4).
CERTIFICATION_STAGES: dict[str, tuple[str, ...]] = {
    "self": ("县自评", "县级自评", "self", "self-evaluation", "self evaluation"),
    "city": ("市复核", "市级复核", "city", "city review"),
    "provincial": ("省评估验收", "省级评估验收", "provincial", "provincial evaluation"),
    "national": ("国家评估认定", "国家认定", "国家督导评估认定", "national", "national certification"),
}
URBAN_RURAL_CODES = ("111", "112", "121", "122", "123", "210", "220")
TRUE_VALUES = ("1", "true", "t", "yes", "y", "是")
FALSE_VALUES = ("0", "false", "f", "no", "n", "否")

# Every feed may carry this flag; the generator sets it so synthetic data is labelled everywhere.
SYNTHETIC = Column("synthetic", "合成数据", "bool")

FEED_SPECS: dict[str, Feed] = {
    "schools": Feed(
        "schools",
        "学校基本情况",
        (
            SCHOOL_ID,
            Column("school_name", "学校名称", "text", required=True),
            COUNTY_CODE,
            Column("county_name", "县级单位名称", "text", required=True),
            Column("school_type", "办学类型", "enum", required=True, values=tuple(SCHOOL_TYPES)),
            Column("parent_school_id", "所属学校标识码", "text", pattern=r"\d{10}"),
            Column("urban_rural", "城乡分类代码", "enum", values=URBAN_RURAL_CODES),
            Column("is_private", "是否民办", "bool"),
            Column("is_boarding", "是否寄宿制", "bool"),
        ),
        key=("school_id",),
        optional_columns=(SYNTHETIC,),
        must_have=("county_code", "school_type"),
    ),
    "enrollment": Feed(
        "enrollment",
        "学生与班级",
        (
            SCHOOL_ID,
            Column("stage", "学段", "enum", required=True, values=tuple(STAGES)),
            _count("students", "在校生数", required=True),
            _count("classes", "班数", required=True),
            _count("classes_over_45", "45人以上班数"),
            _count("classes_over_50", "50人以上班数"),
            _count("entrants", "招生数"),
            _count("final_grade_students", "毕业年级在校生数"),
            _count("migrant_students", "随迁子女在校生数"),
        ),
        key=("school_id", "stage"),
        optional_columns=(SYNTHETIC,),
        must_have=("students",),
    ),
    "teachers": Feed(
        "teachers",
        "专任教师",
        (
            SCHOOL_ID,
            Column("stage", "学段", "enum", required=True, values=tuple(STAGES)),
            _count("full_time_teachers", "专任教师数", required=True),
            _count("qual_postgraduate", "研究生学历", required=True),
            _count("qual_bachelor", "本科学历", required=True),
            _count("qual_associate", "专科学历", required=True),
            _count("qual_below_associate", "高中阶段及以下学历", required=True),
            _count("title_intermediate_plus", "中级及以上职称"),
            _count("pe_teachers", "体育专任教师"),
            _count("music_teachers", "音乐专任教师"),
            _count("art_teachers", "美术专任教师"),
            _count("backbone_teachers", "县级以上骨干教师"),
            _count("certified_teachers", "持有教师资格证"),
            _count("training_360h_completed", "完成五年360学时培训"),
        ),
        key=("school_id", "stage"),
        optional_columns=(SYNTHETIC,),
        must_have=("full_time_teachers",),
    ),
    "facilities": Feed(
        "facilities",
        "办学条件",
        (
            SCHOOL_ID,
            _amount("teaching_aux_area_m2", "教学及辅助用房面积"),
            _amount("indoor_sports_area_m2", "室内体育用房面积"),
            _amount("sports_ground_area_m2", "运动场地面积"),
            _amount("equipment_value_10k_yuan", "教学仪器设备资产值（万元）"),
            _count("multimedia_classrooms", "网络多媒体教室数"),
            _count("computers", "教学用计算机数"),
            _count("books", "图书（册）"),
            _count("music_rooms", "音乐专用教室数"),
            _amount("music_room_min_area_m2", "音乐专用教室最小面积"),
            _count("art_rooms", "美术专用教室数"),
            _amount("art_room_min_area_m2", "美术专用教室最小面积"),
        ),
        key=("school_id",),
        optional_columns=(SYNTHETIC,),
    ),
    "finance": Feed(
        "finance",
        "学校经费",
        (
            SCHOOL_ID,
            _amount("public_funds_budget_yuan", "公用经费预算"),
            _amount("public_funds_yuan", "公用经费支出"),
            _count("funded_students", "核定公用经费学生数"),
            _amount("teacher_training_funds_yuan", "教师培训经费"),
        ),
        key=("school_id",),
        optional_columns=(SYNTHETIC,),
    ),
    "county_finance": Feed(
        "county_finance",
        "县级经费",
        (
            COUNTY_CODE,
            _amount("teacher_avg_salary_yuan", "义务教育教师年平均工资", positive=True),
            _amount("civil_servant_avg_salary_yuan", "当地公务员年平均工资", positive=True),
        ),
        key=("county_code",),
        optional_columns=(SYNTHETIC,),
    ),
    "county_submission": Feed(
        "county_submission",
        "县级自评填报",
        (
            COUNTY_CODE,
            Column("item_code", "指标代码", "text", required=True, pattern=r"[A-Za-z][A-Za-z0-9_]*"),
            Column("value", "值", "text"),
            Column("evidence", "佐证材料", "text"),
        ),
        key=("county_code", "item_code"),
        optional_columns=(Column("scale", "数值单位", "enum", values=tuple(SCALES)), SYNTHETIC),
        must_have=("value",),
    ),
    # Optional (../shared/spec/feeds.md): the city's plan table (拟报请省评估验收计划表), the year each county
    # intends to apply for the provincial evaluation; the latest delivered table applies.
    "county_plan": Feed(
        "county_plan",
        "拟报请省评估验收计划表",
        (
            COUNTY_CODE,
            Column("planned_year", "拟报请评估验收年份", "int", required=True, min_value=2000),
        ),
        key=("county_code",),
        optional_columns=(_amount("budget_yuan_per_year", "年度计划投入(元)"), SYNTHETIC),
        optional=True,
    ),
    # Optional (../shared/spec/feeds.md): where each county stands in the evaluation process, one row per
    # stage passed; rows accumulate across years (a delivery lists what was passed since the last one).
    # Certification is the inspectors' decision, apart from the readiness the marts compute.
    "county_certification": Feed(
        "county_certification",
        "评估认定进程",
        (
            COUNTY_CODE,
            Column("stage", "阶段", "enum", required=True, values=tuple(CERTIFICATION_STAGES),
                   spellings=tuple(CERTIFICATION_STAGES.items())),
            Column("passed_year", "通过年份", "int", required=True, min_value=2000),
            Column("document", "文号", "text"),
        ),
        key=("county_code", "stage"),
        optional_columns=(SYNTHETIC,),
        optional=True,
    ),
    # Optional (../shared/spec/feeds.md): what one natural unit of an indicator's numerator costs; when
    # absent the documented defaults (dbt_project/seeds/unit_costs.csv) apply.
    "unit_costs": Feed(
        "unit_costs",
        "单位成本",
        (
            Column("level", "学段", "enum", required=True, values=tuple(LEVELS)),
            Column("indicator_code", "指标代码", "text", required=True, pattern=r"R[1-7]|B[1-8]"),
            _amount("cost_yuan", "单位成本(元)", required=True),
        ),
        key=("level", "indicator_code"),
        optional_columns=(SYNTHETIC,),
        optional=True,
    ),
}

# Enum columns with spellings beyond their codes (Chinese, English), by column name (a column with
# spellings of its own, Column.spellings, takes those instead).
ENUM_SPELLINGS = {"school_type": SCHOOL_TYPES, "stage": STAGES, "scale": SCALES, "level": LEVELS}

# The feeds, in load order (schools first: every other feed checks its school_id against it).
FEEDS = tuple(FEED_SPECS)
# The census, finance and submission feeds (the optional feeds aside).
CORE_FEEDS = tuple(f for f, spec in FEED_SPECS.items() if not spec.optional)
# Feeds keyed by county rather than by school.
COUNTY_FEEDS = tuple(f for f, spec in FEED_SPECS.items() if spec.key[0] == "county_code")
# Feeds keyed by school: their school_id must exist in the year's `schools` feed.
SCHOOL_CHILD_FEEDS = tuple(f for f, spec in FEED_SPECS.items() if spec.key[0] == "school_id" and f != "schools")


def normalize_header(text: object) -> str:
    """A header as compared: NFKC (full-width → half-width), no whitespace, lower case."""
    s = unicodedata.normalize("NFKC", str(text))
    return "".join(s.split()).lower()


def header_map(feed: str) -> dict[str, str]:
    """Normalized header (canonical or Chinese) → canonical column name."""
    out: dict[str, str] = {}
    for col in FEED_SPECS[feed].all_columns:
        out[normalize_header(col.name)] = col.name
        out[normalize_header(col.zh)] = col.name
    return out


def enum_spellings(col: Column) -> dict[str, tuple[str, ...]]:
    """The accepted spellings of an enum column's canonical values: its own, else those of its name,
    else the codes alone."""
    if col.spellings:
        return dict(col.spellings)
    return ENUM_SPELLINGS.get(col.name, {x: () for x in col.values})


def enum_map(values: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Normalized spelling → canonical code."""
    out: dict[str, str] = {}
    for code, spellings in values.items():
        out[normalize_header(code)] = code
        for s in spellings:
            out[normalize_header(s)] = code
    return out


# 一贯制 schools must report every stage they teach, in `enrollment` and `teachers` (a stage with no
# pupils is a row with 0): a missing stage leaves that level's unit, and the split of whole-school
# resources between levels, unknown. Rule `stage_missing` quarantines the school's rows.
STAGE_COMPLETE_TYPES = ("nine_year", "twelve_year")

# A count (an integer column) above this is no count a school or a county holds (the largest school has
# tens of thousands of pupils, a county's books run to millions): the row is quarantined `out_of_range`,
# never cast (a BIGINT holds 2^63 - 1; a sum of such values overflows).
MAX_COUNT = 1_000_000_000
# Characters a cell may hold that no one sees (byte-order mark, zero-width spaces and joiners, word
# joiner): shown as \uXXXX in messages, so "'\ufeff12' is not a number" says why.
INVISIBLE_CHARACTERS = "\ufeff\u200b\u200c\u200d\u2060"


def visible(text: str) -> str:
    """`text` with the invisible characters written as \\uXXXX escapes (for messages)."""
    for ch in INVISIBLE_CHARACTERS:
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


# Flags: values that are possible but implausible, or that change how a row counts. A flagged row is
# KEPT and computed with; the flag is reported (table `feed_flags`, run log) and never makes a county
# incomplete — quarantine does that. Severity `implausible`: check the value with the county;
# `notice`: expected sometimes, reported so nothing changes silently.
FLAG_SEVERITIES = ("implausible", "notice")
IMPLAUSIBLE_STUDENTS_PER_CLASS = 120  # enrollment.students / classes
IMPLAUSIBLE_AREA_M2_PER_STUDENT = 200  # facilities area columns / the school's students (all stages)
IMPLAUSIBLE_EQUIPMENT_YUAN_PER_STUDENT = 1_000_000  # facilities equipment value / the school's students
AREA_COLUMNS_CHECKED = ("teaching_aux_area_m2", "sports_ground_area_m2")

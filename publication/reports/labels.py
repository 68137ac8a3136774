"""The published codes as a reader sees them: Chinese first, the English code beside it.

The codes are the published ones (docs/data-dictionary.md: `status`, `dimension`, `level`, …); the
Chinese terms are the data dictionary's. Item and indicator names come from the data itself
(fct_county_items.name_zh / name_en), never from here.
"""

from __future__ import annotations

import math

STATUS = {"ready": "达标", "not_ready": "未达标", "incomplete": "数据不完整",
          "pass": "达标", "fail": "未达标", "unknown": "数据缺失"}
DIMENSION = {"resource": "资源配置", "guarantee": "政府保障程度", "quality": "教育质量", "recognition": "社会认可度",
             "veto": "一票否决", "prerequisite": "前提条件"}
LEVEL = {"primary": "小学", "junior": "初中"}
TIMETABLE = {"ready": "已达标", "overdue": "逾期", "on_track": "按计划", "at_risk": "有风险", "no_plan": "未列入计划"}
LEDGER = {"open": "未整改", "fixed": "已整改"}
MEASURE = {"cv": "差异系数", "school_rule_shortfall": "学校达标差距（最差单位距底线的比例）"}
REASON = {"floor": "达到标准值", "floor_85": "达到标准值的85%", "coefficient": "降低差异系数", "repair": "取整后补足",
          "shared_lift": "共享资源随之提高"}
MILESTONE = {"met": "已实现", "missed": "未实现", "pending": "待评", "unknown": "无法判断"}
SOURCE = {"computed": "计算", "submitted": "填报"}
SCOPE = {"city": "地市", "province": "省", "country": "全国"}
# the evaluation a rule set belongs to (mart_county_readiness.evaluation): what a report is titled as
EVALUATION_ZH = {"high_quality": "优质均衡", "basic": "基本均衡"}
EVALUATION_EN = {"high_quality": "high-quality balanced", "basic": "basic balanced"}


def evaluation_zh(code) -> str:
    """'优质均衡' or '基本均衡'; a rule set of no known evaluation is titled by the 2017 one's name."""
    return EVALUATION_ZH.get(str(code), EVALUATION_ZH["high_quality"])


def evaluation_en(code) -> str:
    return EVALUATION_EN.get(str(code), EVALUATION_EN["high_quality"])


def label(mapping: dict[str, str], code) -> str:
    """'未达标 not_ready': the Chinese term, then the code; the code alone when it has no term."""
    if code is None:
        return "—"
    zh = mapping.get(str(code))
    return f"{zh} {code}" if zh else str(code)


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or str(x) in ("<NA>", "NaT")


def cv(x) -> str:
    return "—" if missing(x) else f"{x:.4f}"


def num(x, digits: int = 2) -> str:
    if missing(x):
        return "—"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def yuan(x) -> str:
    return "—" if missing(x) else f"¥{x:,.0f}"


def wan(x) -> str:
    """Yuan in 万元, the bureaus' usual unit for budgets."""
    return "—" if missing(x) else f"{x / 10_000:,.1f} 万元"


def pct(x, digits: int = 0) -> str:
    return "—" if missing(x) else f"{100 * x:.{digits}f}%"


def year(x) -> str:
    return "—" if missing(x) else str(int(x))


def yes_no(x) -> str:
    if missing(x):
        return "—"
    return "是 yes" if x else "否 no"

"""HTML from the templates under `templates/` (Jinja2): one environment, the filters the pages use,
strict about undefined names so a template mistake fails the build instead of printing a blank."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment():
    import jinja2

    from publication.reports import labels

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(cv=labels.cv, num=labels.num, yuan=labels.yuan, wan=labels.wan, pct=labels.pct,
                       year=labels.year, yes_no=labels.yes_no, missing=labels.missing,
                       evaluation_zh=labels.evaluation_zh, evaluation_en=labels.evaluation_en)
    for name in ("STATUS", "DIMENSION", "LEVEL", "TIMETABLE", "LEDGER", "MEASURE", "REASON", "MILESTONE",
                 "SOURCE", "SCOPE"):
        mapping = getattr(labels, name)
        env.filters[name.lower()] = lambda code, m=mapping: labels.label(m, code)
    env.globals["css"] = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)

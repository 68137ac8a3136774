"""docs/feeds.md and the templates a county fills are the contract (ingestion/contract.py) as people read
it: they must not drift from what the pipeline checks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.settings import REPO_ROOT
from ingestion import contract, feed_docs

DOC = REPO_ROOT / "docs" / "feeds.md"
TEMPLATES = REPO_ROOT / "docs" / "feed-templates"


def test_the_feed_page_is_the_contract():
    assert DOC.read_text(encoding="utf-8") == feed_docs.render() + "\n", \
        "docs/feeds.md is stale: python -m ingestion.feed_docs > docs/feeds.md"


def test_every_feed_and_column_is_on_the_page_with_its_chinese_header():
    text = DOC.read_text(encoding="utf-8")
    for feed in contract.FEED_SPECS.values():
        section = text.split(f"## `{feed.name}` · {feed.zh}", 1)[1].split("\n## ", 1)[0]
        for col in feed.all_columns:
            assert f"| `{col.name}` | {col.zh} |" in section, (feed.name, col.name)


@pytest.mark.parametrize("feed", contract.FEEDS)
def test_each_template_is_the_feeds_chinese_header_that_the_reader_maps(feed, tmp_path):
    from ingestion.readers import read_feed_file

    path = TEMPLATES / f"{feed}.csv"
    assert path.read_bytes() == feed_docs.template_csv(contract.FEED_SPECS[feed])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    # a county fills one row in the template: the reader takes every header as the contract's column
    spec = contract.FEED_SPECS[feed]
    filled = tmp_path / f"{feed}.csv"
    filled.write_bytes(path.read_bytes() + ",".join("1" for _ in feed_docs.template_columns(spec)).encode() + b"\r\n")
    delivered = read_feed_file(feed, filled)
    want = [c.name for c in spec.all_columns if c.name != "synthetic"]
    assert [c for c in delivered.frame.columns if not c.startswith("_")] == want


def _rules_the_validator_names() -> set[str]:
    """The rule names validate.py passes to its `add` (a string literal as the third argument)."""
    tree = ast.parse((REPO_ROOT / "ingestion" / "validate.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add"
                and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant)
                and isinstance(node.args[2].value, str)):
            found.add(node.args[2].value)
    return found


def test_every_rule_that_quarantines_a_row_is_on_the_page_and_none_is_invented():
    text = DOC.read_text(encoding="utf-8")
    rules = _rules_the_validator_names()
    assert {"required", "duplicate_key", "orphan_school_id", "qualification_parts_sum"} <= rules  # the walk works
    missing = sorted(r for r in rules if f"`{r}`" not in text)
    assert not missing, f"rules the validator applies that docs/feeds.md does not name: {missing}"
    sources = "".join((REPO_ROOT / "ingestion" / f).read_text(encoding="utf-8")
                      for f in ("validate.py", "readers.py", "load.py", "inventory.py"))
    named = {w.strip("`") for w in text.split() if w.startswith("`") and w.rstrip("`).,;:").endswith("`")}
    for word in sorted(named):
        rule = word.rstrip(").,;:").strip("`")
        if rule.islower() and "_" in rule and rule not in {c.name for f in contract.FEED_SPECS.values()
                                                            for c in f.all_columns} and "/" not in rule:
            if rule.startswith(("quarantine_", "feed_")) or "<" in rule:
                continue
            assert f'"{rule}"' in sources, f"docs/feeds.md names a rule no reader or validator has: {rule}"


def test_the_readme_points_at_the_page_inside_the_project():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/feeds.md" in readme and "../shared" not in readme
    assert Path(DOC).is_file()

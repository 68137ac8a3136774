"""The data dictionary covers every published table and column, and docs/ is rendered from it."""

from publication.data_dictionary import DICTIONARY_MD, published_models, render
from publication.publish import PUBLISHED_TABLES


def test_docs_file_is_rendered_from_the_model_yaml():
    assert DICTIONARY_MD.read_text(encoding="utf-8") == render(), \
        "run: python -m publication.data_dictionary > docs/data-dictionary.md"


def test_every_published_table_is_described_with_chinese_terms():
    models = published_models()
    assert set(models) == set(PUBLISHED_TABLES)
    for name, m in models.items():
        assert m.get("description"), name
        for c in m["columns"]:
            assert c.get("description"), (name, c["name"])
            assert any("\u4e00" <= ch <= "\u9fff" for ch in c["description"]) or c["name"] in (
                "sort_order", "balance_rule", "name_en"), (name, c["name"])

"""Reading feed files: encodings (detected, never guessed), header variants, formats, file-level faults."""

import pandas as pd
import pytest

from ingestion.readers import FeedFileError, find_feed_file, read_feed_file
from ingestion.validate import validate_feed
from tests import worked_example

SCHOOLS_ZH = "学校标识码,学校名称,县级单位代码,县级单位名称,办学类型,所属学校标识码,城乡分类代码,是否民办,是否寄宿制\n" \
             "1121030010,示例第一小学,210302,铁东区,小学,,111,否,否\n"


def test_gb18030_with_chinese_headers(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(SCHOOLS_ZH.encode("gb18030"))
    feed = read_feed_file("schools", path)
    assert feed.encoding == "gb18030"
    assert list(feed.frame.columns[1:4]) == ["school_id", "school_name", "county_code"]
    assert feed.frame.loc[0, "school_name"] == "示例第一小学"
    assert feed.frame.loc[0, "school_type"] == "小学"


def test_utf8_with_bom(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(b"\xef\xbb\xbf" + SCHOOLS_ZH.encode("utf-8"))
    feed = read_feed_file("schools", path)
    assert feed.encoding == "utf-8-sig"
    assert "school_id" in feed.frame.columns  # the BOM did not stick to the first header


def test_full_width_and_spaced_headers(tmp_path):
    header = " ｓｃｈｏｏｌ＿ｉｄ ,学校 名称,县级单位代码,县级单位名称,办学类型,所属学校标识码,城乡分类代码,是否民办,是否寄宿制"
    path = tmp_path / "schools.csv"
    path.write_text(header + "\n1121030010,甲,210302,铁东区,小学,,111,0,0\n", encoding="utf-8")
    feed = read_feed_file("schools", path)
    assert feed.frame.loc[0, "school_id"] == "1121030010"
    assert feed.frame.loc[0, "school_name"] == "甲"
    assert feed.header_renames  # reported


def test_undecodable_bytes_name_the_file_and_offset(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(SCHOOLS_ZH.encode("utf-8")[:40] + b"\xff\xff\xff" + b"\n")
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", path)
    assert e.value.rule == "encoding" and "schools.csv" in str(e.value)
    # by hand: 学校标识码,学校名称, is 29 bytes, 县 级 单 three more; 位's 3 bytes start at 38 and are cut after
    # two of them, so the first byte that is no character is at offset 38, on the header line
    assert "offset 38 (line 1)" in str(e.value)


def test_missing_required_column_names_file_and_column(tmp_path):
    df = worked_example.frames()["enrollment"].drop(columns=["students"])
    path = tmp_path / "enrollment.csv"
    df.to_csv(path, index=False)
    with pytest.raises(FeedFileError) as e:
        read_feed_file("enrollment", path)
    assert e.value.column == "students"
    assert "enrollment.csv" in str(e.value) and "students" in str(e.value) and "在校生数" in str(e.value)


def test_unknown_extra_columns_are_kept_and_reported(tmp_path):
    df = worked_example.frames()["schools"].assign(principal="张三")
    path = tmp_path / "schools.csv"
    df.to_csv(path, index=False)
    feed = read_feed_file("schools", path)
    assert feed.extra_columns == ["principal"]
    assert feed.frame.loc[0, "principal"] == "张三"


def test_empty_file_is_a_file_error(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(b"")
    with pytest.raises(FeedFileError, match="empty"):
        read_feed_file("schools", path)


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_xlsx_and_parquet_keep_ids_as_text(tmp_path, fmt):
    worked_example.write(tmp_path, fmt=fmt, feeds=("schools",))
    feed = read_feed_file("schools", tmp_path / "2024" / f"schools.{fmt}")
    assert feed.frame["school_id"].tolist() == worked_example.SCHOOL_IDS


def test_corrupt_xlsx_is_a_file_error(tmp_path):
    path = tmp_path / "schools.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", path)
    assert e.value.rule == "unreadable_xlsx"


def test_truncated_csv_line_is_marked_ragged(tmp_path):
    text = worked_example.frames()["enrollment"].to_csv(index=False)
    path = tmp_path / "enrollment.csv"
    path.write_text(text[: text.rstrip().rfind(",")], encoding="utf-8")  # cut the last line short
    feed = read_feed_file("enrollment", path)
    n_lines = text.rstrip().count("\n") + 1  # header + rows: the last row is the file's last line
    assert list(feed.ragged_rows) == [n_lines]  # numbered as a spreadsheet (and an editor) shows it


def test_two_files_for_one_feed_are_refused(tmp_path):
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "schools.csv").write_text("x", encoding="utf-8")
    (tmp_path / "2024" / "schools.xlsx").write_bytes(b"x")
    with pytest.raises(FeedFileError, match="schools.csv, schools.xlsx"):
        find_feed_file(tmp_path, 2024, "schools")


def test_absent_feed_is_none(tmp_path):
    (tmp_path / "2024").mkdir()
    assert find_feed_file(tmp_path, 2024, "finance") is None


def test_a_file_escaping_the_landing_dir_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "schools.csv").write_text("x", encoding="utf-8")
    landing = tmp_path / "landing"
    (landing / "2024").mkdir(parents=True)
    (landing / "2024" / "schools.csv").symlink_to(outside / "schools.csv")
    with pytest.raises(FeedFileError) as e:
        find_feed_file(landing, 2024, "schools")
    assert e.value.rule == "path_outside_landing"


def test_year_argument_cannot_escape_either(tmp_path):
    with pytest.raises(FeedFileError):
        find_feed_file(tmp_path / "landing", "../..", "schools")


def test_same_content_in_every_encoding_and_format_types_the_same(tmp_path):
    frames = {}
    for fmt, enc in [("csv", "utf-8"), ("csv", "gb18030"), ("xlsx", "utf-8"), ("parquet", "utf-8")]:
        d = tmp_path / f"{fmt}-{enc}"
        worked_example.write(d, fmt=fmt, encoding=enc, headers="zh", feeds=("facilities",))
        typed = validate_feed(read_feed_file("facilities", d / "2024" / f"facilities.{fmt}")).typed
        frames[(fmt, enc)] = typed.drop(columns=["_row_hash", "_delivered"])
    base = frames[("csv", "utf-8")]
    assert base["equipment_value_10k_yuan"].tolist() == [12.0, 9.5, 22.0, 18.0, 14.0]
    for key, f in frames.items():
        pd.testing.assert_frame_equal(f, base, check_dtype=False, obj=str(key))


def test_stray_bytes_in_a_utf8_file_are_an_encoding_error_at_their_offset(tmp_path):
    # good UTF-8 lines around one with a 0xFF byte: not "mixed_encoding" (no line is GBK), `encoding`
    # at the byte's offset: the header and first row are 217 bytes (their Chinese characters 3 each),
    # then "11210300" (8)
    good = SCHOOLS_ZH.encode("utf-8")
    data = good + b"11210300\xff20,x,210302,y,\xe5\xb0\x8f\xe5\xad\xa6,,111,0,0\n"
    path = tmp_path / "schools.csv"
    path.write_bytes(data)
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", path)
    assert len(good) == 217
    assert e.value.rule == "encoding" and "byte 0xFF at offset 225 (line 3)" in str(e.value)


def test_a_synthetic_year_types_the_same_in_every_format_feed_by_feed_row_by_row(tmp_path):
    """Row #8 on every feed of a synthetic year: CSV UTF-8, UTF-8 with a byte-order mark, GB18030, xlsx,
    and Parquet as synthetic/writers.py writes it (real number columns, nulls where a value is unknown),
    each read and validated; the typed rows equal the UTF-8 CSV's, feed by feed, row by row."""
    from ingestion.validate import SchoolsReference
    from synthetic import generate_feeds

    forms = {"utf-8": ("csv", "utf-8"), "utf-8-sig": ("csv", "utf-8"), "gb18030": ("csv", "gb18030"),
             "xlsx": ("xlsx", "utf-8"), "parquet": ("parquet", "utf-8")}
    typed: dict[str, dict[str, pd.DataFrame]] = {}
    for form, (fmt, encoding) in forms.items():
        paths = generate_feeds(tmp_path / form, counties=2, year=2024, seed=3, fmt=fmt, encoding=encoding)
        if form == "utf-8-sig":
            for path in paths.values():
                path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        if form == "parquet":  # the case this test exists for: numbers stored as numbers, with nulls
            import pyarrow.parquet as pq

            schema = pq.read_schema(paths["facilities"])
            assert str(schema.field("books").type) in ("int64", "double")
            assert pq.read_table(paths["schools"]).column("parent_school_id").null_count > 0
        schools = validate_feed(read_feed_file("schools", paths["schools"])).typed
        ref = SchoolsReference.from_schools(schools)
        typed[form] = {feed: validate_feed(read_feed_file(feed, path), None if feed == "schools" else ref).typed
                       .drop(columns=["_row_hash", "_delivered"]) for feed, path in paths.items()}
        assert read_feed_file("schools", paths["schools"]).encoding == (
            {"utf-8-sig": "utf-8-sig", "gb18030": "gb18030", "utf-8": "utf-8"}.get(form))
    base = typed["utf-8"]
    assert set(base) == {"schools", "enrollment", "teachers", "facilities", "finance", "county_finance",
                         "county_submission"}
    for form, feeds in typed.items():
        for feed, frame in feeds.items():
            assert len(frame) == len(base[feed]) > 0, (form, feed)
            pd.testing.assert_frame_equal(frame, base[feed], check_dtype=False, obj=f"{form} {feed}")


def test_a_stray_byte_in_a_gbk_file_is_named_not_the_first_chinese_character(tmp_path):
    # a GBK line is not UTF-8 from its first Chinese character on; the byte neither encoding reads is the
    # stray 0xFF, after "1121030020," (11 bytes) on the second data line
    head = SCHOOLS_ZH.encode("gbk")
    data = head + b"1121030020,\xff" + "示例第二小学,210302,铁东区,小学,,111,否,否\n".encode("gbk")
    path = tmp_path / "schools.csv"
    path.write_bytes(data)
    with pytest.raises(FeedFileError) as e:
        read_feed_file("schools", path)
    assert e.value.rule == "encoding" and f"byte 0xFF at offset {len(head) + 11} (line 3)" in str(e.value)

"""The SQL validation (ingestion.validate) against the pandas reference it replaced
(tests.validate_reference): same typed frame (values and dtypes — text as Arrow strings in the
SQL implementation, Python strings in the reference: compared as text), same violations in the same
order, same notes, or the same FeedFileError.

Also a pytest plugin (`-p tests.validate_equivalence`): every `validate_feed` call of a test session is
checked against the reference, so the feeds the existing tests build are compared too. It is imported
before any test module, so `from ingestion.validate import validate_feed` binds the checking wrapper.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ingestion import validate
from ingestion.readers import DeliveredFeed, FeedFileError
from tests import validate_reference

_SQL_VALIDATE_FEED = validate.validate_feed  # before the plugin wraps it


def _run(fn, delivered: DeliveredFeed, ref):
    frame = delivered.frame.copy()
    try:
        return fn(delivered, ref)
    except FeedFileError as e:
        return e
    finally:
        pd.testing.assert_frame_equal(delivered.frame, frame, obj="the delivered frame (left untouched)")


def _exact(v: object) -> str:
    """A value as compared: missing is missing (None, NaN, NA: all NULL in DuckDB), anything else by its
    repr, to the last bit of a float (assert_frame_equal's check_exact does not hold for Float64 arrays)."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return "<missing>"
    return repr(v.item() if hasattr(v, "item") else v)


def _assert_same_values(new: pd.DataFrame, old: pd.DataFrame, where: str) -> None:
    for c in old.columns:
        a, b = [_exact(v) for v in new[c].tolist()], [_exact(v) for v in old[c].tolist()]
        if a != b:
            i = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
            raise AssertionError(f"{where}, column {c}, row {i}: SQL {a[i]}, reference {b[i]}")


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Arrow text (the SQL implementation's) and object text (the reference's) as one: Python strings,
    missing as None (pd.NA, NaN and None are all NULL once written to DuckDB)."""
    out = frame.copy()
    for c, t in frame.dtypes.items():
        if t == validate.TEXT_DTYPE or t is np.dtype(object):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def assert_equivalent(delivered: DeliveredFeed, ref=None) -> validate.ValidatedFeed | FeedFileError:
    """Both implementations on one delivered feed; the SQL one's result."""
    new = _run(_SQL_VALIDATE_FEED, delivered, ref)
    old = _run(validate_reference.validate_feed, delivered, ref)
    where = f"{delivered.feed} ({delivered.path})"
    if isinstance(old, FeedFileError) or isinstance(new, FeedFileError):
        assert type(new) is type(old), f"{where}: reference gave {old!r}, SQL gave {new!r}"
        assert (str(new), new.rule, new.column, new.rows) == (str(old), old.rule, old.column, old.rows), where
        return new
    typed, old_typed = _as_text(new.typed), _as_text(old.typed)
    pd.testing.assert_frame_equal(typed, old_typed, check_exact=True, obj=f"{where} typed")
    violations, old_violations = _as_text(new.violations), _as_text(old.violations)
    pd.testing.assert_frame_equal(violations, old_violations, check_exact=True, obj=f"{where} violations")
    _assert_same_values(typed, old_typed, f"{where} typed")
    _assert_same_values(violations, old_violations, f"{where} violations")
    assert new.notes == old.notes, where
    return new


# --- the plugin ------------------------------------------------------------------------------------

COMPARED: list[str] = []


def _checked_validate_feed(delivered, ref=None, **kwargs):
    result = assert_equivalent(delivered, ref)
    COMPARED.append(delivered.feed)
    if isinstance(result, FeedFileError):
        raise result
    # the loader's call (JSON deferred to the write) returns what the loader gets; it was compared above
    return _SQL_VALIDATE_FEED(delivered, ref, **kwargs) if kwargs else result


if os.environ.get("JUNHENG_CHECK_VALIDATE_REFERENCE") == "1":
    validate.validate_feed = _checked_validate_feed


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("JUNHENG_CHECK_VALIDATE_REFERENCE_LOG")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n".join(COMPARED))

"""The admission gate (ingestion/admission.py): one decision on what each step sees — the schedule and
sensor, the schools step before anything loads, each feed's load, the publish step — and the run's one
switch that lets a shrink through. Every expected message is written out by hand."""

import dagster as dg
import pytest

from ingestion.admission import (
    LAUNCH,
    LOAD,
    NO_SCHOOLS,
    SHRINK,
    YearFacts,
    admit_year,
    feed_load_facts,
    landing_facts,
    launchable_years,
    publication_facts,
)
from ingestion.inventory import EmptyYearError, ShrinkRefused, YearInventory
from tests import worked_example

PUBLISHED = YearInventory(2024, {"schools": 100, "enrollment": 120, "finance": 100}, students=1000.0,
                          where="publication P", counties={})
WHY = "there is no folder /l/2024"


def test_a_year_without_schools_rows_is_refused_at_every_step_even_when_the_run_accepts_a_shrink():
    for accept in (False, True):
        launch = admit_year(YearFacts(LAUNCH, 2024, "/l", no_schools=WHY), accept_shrink=accept)
        assert (launch.admitted, launch.rule) == (False, NO_SCHOOLS)
        assert launch.message == "year 2024 has no schools rows (there is no folder /l/2024)"

        year = admit_year(YearFacts(LOAD, 2024, "/l", no_schools=WHY, published=PUBLISHED), accept_shrink=accept)
        assert not year.admitted and year.message == (
            "year 2024 not evaluated: no schools rows in the landing /l (there is no folder /l/2024). "
            "A year is evaluated only from a delivery with schools rows; published for 2024 now: 100 schools, "
            "1,000 pupils (3 feeds: schools 100, enrollment 120, finance 100) (publication P); it is kept as it "
            "is. Check that the share is mounted and the year's feeds have arrived.")

        feed = admit_year(YearFacts(LOAD, 2024, "/l", no_schools=WHY, feed="enrollment"), accept_shrink=accept)
        assert not feed.admitted and feed.message == (
            "enrollment of 2024 not loaded: no schools rows in the landing /l (there is no folder /l/2024); "
            "the year's loaded rows are kept")

        publish = admit_year(publication_facts("/l", 2024, None, PUBLISHED), accept_shrink=accept, limit=0.2)
        assert not publish.admitted and publish.message == (
            "year 2024 not published: the working warehouse holds no schools rows for it (landing /l); "
            "the publication is kept as it is")
        with pytest.raises(EmptyYearError, match="^year 2024 not published"):
            publish.raise_if_refused()
    nothing = admit_year(YearFacts(LOAD, 2024, "/l", no_schools=WHY))
    assert "nothing is published for 2024" in nothing.message


def test_a_shrink_against_the_publication_is_refused_unless_the_run_accepts_it():
    # 100 published schools, 79 delivered: 21 % fewer, more than the 20 % limit
    fewer = YearInventory(2024, {"schools": 79, "enrollment": 120, "finance": 100}, where="/l/2024")
    problem = "schools of 2024 would drop by 21.0% (more than 20%): 100 published, 79 delivered now"
    refused = admit_year(YearFacts(LOAD, 2024, "/l", now=fewer, published=PUBLISHED), limit=0.2)
    assert (refused.admitted, refused.rule) == (False, SHRINK)
    assert refused.message.startswith(f"year 2024 refused: publishing it would publish less than is published "
                                      f"now — {problem}. Published: 100 schools")
    assert "--accept-shrink" in refused.message and "ops.ingest_schools.config.accept_shrink: true" in refused.message
    with pytest.raises(ShrinkRefused):
        refused.raise_if_refused()
    accepted = admit_year(YearFacts(LOAD, 2024, "/l", now=fewer, published=PUBLISHED), accept_shrink=True, limit=0.2)
    assert accepted.admitted and accepted.accepted == (problem,)
    # 80 of 100 is exactly 20 %: admitted, nothing to accept; a 1 % limit refuses 95 of 100
    boundary = YearInventory(2024, {**fewer.rows, "schools": 80})
    assert admit_year(YearFacts(LOAD, 2024, "/l", now=boundary, published=PUBLISHED), limit=0.2).accepted == ()
    five_fewer = YearInventory(2024, {**fewer.rows, "schools": 95})
    assert not admit_year(YearFacts(LOAD, 2024, "/l", now=five_fewer, published=PUBLISHED), limit=0.01).admitted
    # nothing published: nothing to lose
    assert admit_year(YearFacts(LOAD, 2024, "/l", now=fewer), limit=0.2).admitted
    with pytest.raises(TypeError, match="limit"):
        admit_year(YearFacts(LOAD, 2024, "/l", now=fewer, published=PUBLISHED))


def test_an_absent_feed_never_erases_its_loaded_rows_unless_the_run_accepts_it():
    facts = YearFacts(LOAD, 2024, "/l", feed="facilities", loaded_rows=1234)
    refused = admit_year(facts)
    assert (refused.admitted, refused.rule) == (False, SHRINK)
    assert refused.message == ("feed facilities is absent from /l/2024 but 1,234 rows of 2024 are loaded: not "
                               "erased. Deliver the file, or accept the shrink (--accept-shrink; "
                               "ops.ingest_schools.config.accept_shrink: true)")
    accepted = admit_year(facts, accept_shrink=True)
    assert accepted.admitted and accepted.accepted == ("feed facilities is absent from /l/2024 but 1,234 rows "
                                                       "of 2024 are loaded",)
    assert admit_year(YearFacts(LOAD, 2024, "/l", feed="facilities")).admitted  # nothing loaded: nothing erased


def test_the_publish_step_refuses_a_county_that_would_vanish():
    published = YearInventory(2024, {"schools": 15}, 1500.0, where="publication P",
                              counties={"210302": (10, 1000.0), "210303": (5, 500.0)})
    held = YearInventory(2024, {"schools": 15}, 1500.0, where="the working warehouse",
                         counties={"210302": (10, 1000.0), "ABCDEF": (5, 500.0)})
    refused = admit_year(publication_facts("/l", 2024, held, published), limit=0.2)
    assert not refused.admitted
    assert ("county 210303 would vanish from 2024: 5 school(s) evaluated in the publication, none now"
            in refused.message)


def test_the_facts_each_step_sees_are_read_from_the_landing(tmp_path):
    landing = tmp_path / "landing"
    worked_example.write(landing, year=2023)
    worked_example.write(landing, year=2024, feeds=("schools", "enrollment"))  # teachers, facilities gone
    (landing / "2022").mkdir()
    assert launchable_years(landing, [2022, 2023, 2024]) == (
        [2023, 2024], [f"year 2022 has no schools rows ({landing / '2022'} holds no schools.csv/.xlsx/.parquet)"])
    # the worked example's publication: 5 schools, each of its four feeds 5 rows
    published = YearInventory(2024, {"schools": 5, "enrollment": 5, "teachers": 5, "facilities": 5},
                              where="publication P")
    refused = admit_year(landing_facts(landing, 2024, published), limit=0.2)
    assert "feed teachers would disappear: 5 rows published for 2024, none delivered now" in refused.message
    assert "feed facilities would disappear: 5 rows published for 2024, none delivered now" in refused.message
    assert admit_year(landing_facts(landing, 2023, published), limit=0.2).admitted
    # a feed's load counts its loaded rows only when its file is absent
    asked = []
    assert feed_load_facts(landing, 2024, "enrollment", lambda: asked.append(1) or 5).loaded_rows == 0
    assert asked == []
    assert feed_load_facts(landing, 2024, "facilities", lambda: asked.append(1) or 5).loaded_rows == 5
    assert asked == [1]


def test_a_saved_launchpad_config_still_sets_the_runs_one_switch(tmp_path):
    from core.settings import Settings
    from orchestration.definitions import YEAR_JOB, build_definitions
    from orchestration.resources import run_admission

    job = build_definitions(Settings(landing=tmp_path / "l", warehouse=tmp_path / "w")).resolve_job_def(YEAR_JOB)
    saved = {"ops": {"ingest_schools": {"config": {"accept_shrink": True}},
                     # what "Scaffold all default config" wrote for another feed before: still valid, not a switch
                     "ingest_enrollment": {"config": {"accept_shrink": False}}}}
    dg.validate_run_config(job, saved)
    assert run_admission(saved).accept_shrink is True
    assert run_admission({"ops": {"ingest_enrollment": {"config": {"accept_shrink": True}}}}).accept_shrink is False
    assert run_admission({}).accept_shrink is False
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(job, {"ops": {"ingest_schools": {"config": {"accept_shrink": "yes please"}}}})

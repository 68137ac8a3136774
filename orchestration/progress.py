"""Progress of a CLI run: a Dagster logger that prints each step as it starts and ends (to the
terminal's stderr, which the CLI does not redirect) and keeps per-stage durations for a summary."""

from __future__ import annotations

import logging
import sys
import time
from collections import defaultdict

import dagster as dg

STAGES = (("ingest_", "ingestion"), ("dbt_indicators", "dbt (staging, indicators)"),
          ("county_coefficients", "coefficients"), ("dbt_marts", "dbt (marts, tests)"),
          ("published_marts", "publication"), ("published_reports", "reports"))


def stage_of(step_key: str) -> str:
    for prefix, stage in STAGES:
        if step_key.startswith(prefix) and "_gx_" not in step_key:
            return stage
    return "checks"


class ProgressHandler(logging.Handler):
    """Turns Dagster step events into one line each; remembers seconds per stage."""

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream or sys.__stderr__
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = defaultdict(float)

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is None or not event.step_key:
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            print(f"  … {step}", file=self.stream, flush=True)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            took = time.monotonic() - self.started.pop(step, time.monotonic())
            self.seconds[stage_of(step)] += took
            mark = "✓" if kind == "STEP_SUCCESS" else "✗"
            print(f"  {mark} {step} ({took:.1f} s)", file=self.stream, flush=True)

    def summary(self) -> str:
        order = [s for _, s in STAGES[:4]] + ["checks"] + [s for _, s in STAGES[4:]]
        parts = [f"{s} {self.seconds[s]:.1f} s" for s in order if s in self.seconds]
        return "Stages: " + ", ".join(parts) if parts else ""


HANDLER_NAME = "junheng_progress"


@dg.logger(description="Step-by-step progress on the terminal (used by the junheng CLI)")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger(HANDLER_NAME)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    if not any(isinstance(h, ProgressHandler) for h in logger.handlers):
        logger.addHandler(ProgressHandler())
    return logger


def current_handler() -> ProgressHandler:
    logger = logging.getLogger(HANDLER_NAME)
    for h in logger.handlers:
        if isinstance(h, ProgressHandler):
            return h
    handler = ProgressHandler()
    logger.addHandler(handler)
    return handler


@dg.logger(
    config_schema={"path": dg.Field(str, description="The run log file (appended to)"),
                   "log_level": dg.Field(str, default_value="INFO", is_required=False)},
    description="Every event of the run, one line each, in a file (the CLI's run log under <warehouse>/logs)",
)
def file_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger(f"junheng_run_file:{init_context.logger_config['path']}")
    logger.setLevel(init_context.logger_config["log_level"].upper())
    logger.propagate = False
    for h in list(logger.handlers):  # one handler per file, whatever ran before in this process
        logger.removeHandler(h)
        h.close()
    handler = logging.FileHandler(init_context.logger_config["path"], encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger

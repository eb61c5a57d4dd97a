"""Smoke test of bench/scale.py: it runs, tiny, and prints its table.  No timing is asserted
(benchmarks are scripts printing figures, never timed tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.storage_fixtures import POSTGRES_ENV

ROOT = Path(__file__).resolve().parent.parent


def test_scale_benchmark_runs_and_prints_its_table():
    pg = os.environ.get(POSTGRES_ENV)
    args = [sys.executable, "bench/scale.py", "--quick", "--small", "6", "--stories", "12",
            "--skip-scrapy-bench", "--concurrency", "4"]
    args += ["--db", "both", "--pg-url", pg] if pg else ["--db", "sqlite"]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "server capacity:" in text
    # politeness off: the store runs in a process of its own (MIRROR_STORE_PROCESSES auto), whose
    # memory is counted with the crawl's
    assert "SQLite     full crawl:" in text and "+ 1 store process " in text
    header = next(line for line in text.splitlines() if line.startswith("| Database |"))
    assert "Peak RSS" in header and "Requests/story: full" in header
    rows = [line for line in text.splitlines() if line.startswith("| SQLite |")]
    assert len(rows) == 2  # 6 and 12 stories
    if pg:
        assert sum(line.startswith("| PostgreSQL |") for line in text.splitlines()) == 2
    assert "Targets:" in text


def test_scale_benchmark_brackets_each_crawl_with_scrapy_bench():
    """Each full crawl's pages/s is set against scrapy bench run right before and after it."""
    args = [sys.executable, "bench/scale.py", "--small", "6", "--stories", "6", "--db", "sqlite",
            "--concurrency", "4", "--scrapy-bench-seconds", "2"]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert [line.split(":")[0].split()[-1] for line in lines if "scrapy bench before" in line
            or "scrapy bench after" in line] == ["before", "after"]
    header = next(line for line in lines if line.startswith("| Database |"))
    assert "Pages/s vs `scrapy bench`" in header
    [row] = [line for line in lines if line.startswith("| SQLite |")]
    assert "(of " in row  # the ratio, and the rate it is of
    assert any("pages/s >= 0.5x scrapy bench" in line for line in lines)

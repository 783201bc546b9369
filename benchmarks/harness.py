"""The shared shape of every benchmark: a measured operation next to the floor it could reach.

Each benchmark module in ``SUITE`` (benchmarks/__main__.py) exposes
``measure(ctx: Context) -> list[Result]``. Times are wall-clock milliseconds over repeated runs
after a warm-up (median and p95); rates are per second. ``ratio`` is always "ours / floor" in the
direction the target is stated: for times, how many times slower than the floor; for rates, the
share of the floor's throughput.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Context:
    """What a run gives each benchmark: the databases to use (name → URL, each safe to wipe: its
    name contains 'bench' or 'test'), a scratch folder, the seed, and whether this is a quick run
    (fewer rounds and a smaller data set, for trying the harness; never for RESULTS.md)."""
    databases: dict[str, str]
    scratch: Path
    seed: int = 1
    quick: bool = False
    cache: dict = field(default_factory=dict)  # shared between modules (e.g. a built data set)


@dataclass
class Result:
    operation: str
    database: str            # "sqlite", "postgresql" or "-" when no database is involved
    unit: str                # "ms" (lower is better) or e.g. "/s", "MB/s" (higher is better)
    median: float
    p95: float | None = None
    floor: float | None = None
    floor_label: str = ""
    target: str = ""
    met: bool | None = None  # None: no target to judge
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.floor:
            return None
        return self.median / self.floor


def sample_ms(call: Callable[[], object], rounds: int, warmup: int = 2) -> list[float]:
    """Run ``call`` ``warmup`` times unmeasured, then ``rounds`` times; wall milliseconds."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    postgres = ""
    try:
        postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True,
                                  check=False).stdout.strip()
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()} on "
            f"{platform.system()} {platform.release()}; SQLite "
            f"{__import__('sqlite3').sqlite_version}; {postgres or 'psql not found'}")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if unit == "ms" or value < 100 else f"{value:,.0f}"


def table(results: list[Result]) -> str:
    head = ("| operation | db | median | p95 | floor | ratio | target | met |\n"
            "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
    lines = [head]
    for r in results:
        unit = r.unit
        floor = f"{_fmt(r.floor, unit)} {unit} ({r.floor_label})" if r.floor else "—"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        met = {True: "yes", False: "**no**", None: "—"}[r.met]
        note = f" {r.note}" if r.note else ""
        lines.append(f"| {r.operation}{note} | {r.database} | {_fmt(r.median, unit)} {unit} | "
                     f"{_fmt(r.p95, unit) + ' ' + unit if r.p95 is not None else '—'} | {floor} | "
                     f"{ratio} | {r.target} | {met} |")
    return "\n".join(lines)


def write_results(results: list[Result], path: Path, preamble: str = "") -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(f"# Benchmark results\n\nRun {stamp} on: {machine_description()}\n\n"
                    f"{preamble}\n\n{table(results)}\n", encoding="utf-8")


def rebuild_database() -> None:
    """Empty the current app's database and build it from the migrations. On PostgreSQL the
    public schema is dropped, only in a database whose name says it may be (bench or test); a
    SQLite file is deleted (the registry benchmark reuses the national data set's file, whose
    rows would otherwise stay and hold its LGOs)."""
    import flask_migrate
    from sqlalchemy import text

    from lgo_assess.core.db import db
    name = db.engine.url.database or ""
    if db.engine.dialect.name == "postgresql":
        if "bench" not in name and "test" not in name:
            raise SystemExit(f"refusing to wipe {name!r}: its name must contain bench or test")
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    elif name and name != ":memory:":
        db.session.remove()
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    flask_migrate.upgrade(directory=str(ROOT / "migrations"))


def standalone_context(argv: list[str], prefix: str) -> Context:
    """The Context of a module run on its own: the database URLs given on the command line
    (a temporary SQLite file without one) and ``--quick``."""
    import tempfile
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    databases = {}
    for url in [a for a in argv if not a.startswith("--")] or \
            [f"sqlite:///{scratch / 'bench.sqlite3'}"]:
        databases["postgresql" if url.startswith("postgres") else "sqlite"] = url
    return Context(databases=databases, scratch=scratch, quick="--quick" in argv)

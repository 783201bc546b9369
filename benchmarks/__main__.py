"""`make bench` (python -m benchmarks): build the national data set in SQLite and PostgreSQL, run
every benchmark module of SUITE, print the table and write benchmarks/RESULTS.md.

    python -m benchmarks                 # the full run (writes RESULTS.md)
    python -m benchmarks --quick         # a small data set and few rounds, to try things
    python -m benchmarks --only pages    # one module (repeatable)
    python -m benchmarks --db sqlite     # one database

PostgreSQL is the database ``lgo_assess_bench`` on 127.0.0.1:5432 (user postgres; override with
BENCH_POSTGRES_URL, whose database name must contain "bench"); it is created when missing and
wiped. When the server cannot be reached the run goes on with SQLite and says so.

Time: the full national data set (3.67 million rows) took 97 s of CPU to build in SQLite
(11 min wall on a machine at load 14; about 2 min on a quiet one); PostgreSQL reuses the
generated rows and loads them with COPY. With this branch's modules (kpi_dashboard, pages,
criteria_validate) a full run on both databases should take 6-8 minutes on a quiet 2-core
machine, before the other modules' own time. --quick takes 2-3 minutes quiet.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks.harness import ROOT, Context, Result, table, write_results

SUITE = ["kpi_dashboard", "pages", "criteria_validate", "deadline_day", "certificates",
         "upload", "registry_csv"]
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/lgo_assess_bench")
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def _postgres_ready(url: str) -> str | None:
    """Create the database if it is missing; None when the server answers, else why not."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from lgo_assess.config import _database_url
    target = make_url(_database_url(url, Path(".")))
    name = target.database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: a benchmark database's name contains bench")
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 5})
    try:
        with server.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                        {"n": name}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:      # noqa: BLE001 -- any failure to connect means: skip it
        return str(error).splitlines()[0]
    finally:
        server.dispose()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small data set, few rounds; does not write RESULTS.md")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help=f"run only this module ({', '.join(SUITE)}); repeatable")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append",
                        help="run on this database only; repeatable")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch folder (the SQLite data set, keys) afterwards")
    parser.add_argument("--results", type=Path, metavar="PATH",
                        help="write the results there even for a quick or partial run (marked "
                             "as such); a full run writes benchmarks/RESULTS.md by itself")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)          # the migrations' progress lines
    for name in args.only or ():
        if name not in SUITE:
            parser.error(f"unknown module {name!r}; the suite is {', '.join(SUITE)}")

    started = time.perf_counter()
    load_before = os.getloadavg()
    scratch = Path(tempfile.mkdtemp(prefix="lgo-bench-"))
    databases: dict[str, str] = {}
    wanted = args.db or ["sqlite", "postgresql"]
    notes = []
    if "sqlite" in wanted:
        databases["sqlite"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    if "postgresql" in wanted:
        problem = _postgres_ready(POSTGRES_URL)
        if problem:
            message = f"PostgreSQL skipped: the server at {POSTGRES_URL} is unreachable ({problem})"
            print(message)
            notes.append(message)
        else:
            databases["postgresql"] = POSTGRES_URL
    ctx = Context(databases=databases, scratch=scratch, seed=args.seed, quick=args.quick)
    print(f"Benchmarks{' (quick)' if args.quick else ''} on {', '.join(databases) or 'no database'};"
          f" scratch {scratch}")

    results: list[Result] = []
    ran, missing, failed = [], [], []
    for name in args.only or SUITE:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"benchmarks.{name}":
                print(f"- {name}: missing (benchmarks/{name}.py is not on this branch); skipped")
                missing.append(name)
                continue
            raise
        print(f"- {name} ...", flush=True)
        module_started = time.perf_counter()
        try:
            found = module.measure(ctx)
        except Exception:   # noqa: BLE001 -- one broken module must not lose the others' figures
            traceback.print_exc()
            print(f"- {name}: FAILED (see the traceback above)")
            failed.append(name)
            continue
        results += found
        ran.append(name)
        print(f"  {name}: {len(found)} results in {time.perf_counter() - module_started:.0f} s")
        if found:
            print(table(found))
    elapsed = time.perf_counter() - started
    print(f"\nAll results ({elapsed / 60:.1f} min):\n{table(results)}")
    if missing:
        print(f"Missing modules: {', '.join(missing)}")
    if failed:
        print(f"Failed modules: {', '.join(failed)}")
    partial = args.quick or args.only or args.db
    target = args.results or (None if partial else RESULTS)
    if target is None:
        print("Not written to RESULTS.md (only a full run of every module on both databases is)")
    else:
        from benchmarks import national
        load_after = os.getloadavg()
        notes.append(f"Load average (1 min) at the start {load_before[0]:.1f}, at the end "
                     f"{load_after[0]:.1f}, on {os.cpu_count()} cores: wall times above the "
                     "core count's load are inflated; the CPU times in the notes much less.")
        if partial:
            notes.insert(0, "**Not a full run** (" + " ".join(
                (["--quick: the small data set and few rounds"] if args.quick else [])
                + ([f"--only {' '.join(args.only)}"] if args.only else [])
                + ([f"--db {' '.join(args.db)}"] if args.db else [])) + "): figures for trying "
                "the harness, not for judging the targets.")
        if missing:
            notes.append(f"Missing modules: {', '.join(missing)}")
        if failed:
            notes.append(f"Failed modules: {', '.join(failed)}")
        write_results(results, target, national.preamble(ctx, elapsed, notes))
        print(f"Written to {target}")
    if args.keep:
        print(f"Scratch kept: {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

"""How long validating every shipped criteria file takes (the loader alone, as `flask criteria
validate` runs it, without the app's start-up), beside parsing the same YAML with libyaml alone.
Target (issue #10): ≤ 1 s."""
from __future__ import annotations

import gc

from benchmarks.harness import ROOT, Context, Result, median, p95
from benchmarks.kpi_dashboard import sample_cpu

CRITERIA = ROOT / "criteria"


def measure(ctx: Context) -> list[Result]:
    import yaml

    from lgo_assess.criteria.loader import expand, load_library

    files = expand([CRITERIA])
    texts = [p.read_text(encoding="utf-8") for p in files]
    lines = sum(len(t.splitlines()) for t in texts)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    rounds = 3 if ctx.quick else 10
    problems = len(load_library([CRITERIA]).problems)
    gc.collect()        # start from what a fresh `flask criteria validate` process would hold
    validate, cpu = sample_cpu(lambda: load_library([CRITERIA]), rounds, 1)
    parse, parse_cpu = sample_cpu(lambda: [yaml.load(t, Loader=loader) for t in texts], rounds, 1)
    return [Result(f"criteria validation of all shipped files ({len(files)} files, {lines:,} "
                   f"lines, {problems} problems)", "-", "ms", median(validate), p95(validate),
                   median(parse), f"yaml.load{' (libyaml)' if loader is not yaml.SafeLoader else ''}"
                   " alone", "≤ 1 s", p95(validate) <= 1000,
                   f"(CPU here {median(cpu):.0f} ms, floor {median(parse_cpu):.0f} ms)")]

"""How long validating every shipped criteria file takes (the loader alone, as
`flask criteria validate` runs it, without the app's start-up).

Run: .venv/bin/python benchmarks/criteria_validate.py [repeats]

Wall time depends on what else the machine runs; CPU time (process_time) much less.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

CRITERIA = Path(__file__).resolve().parent.parent / "criteria"


def main(repeats: int = 10) -> None:
    from lgo_assess.criteria.loader import expand, load_library

    files = expand([CRITERIA])
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files)
    texts = [p.read_text(encoding="utf-8") for p in files]
    load_library([CRITERIA])  # warm imports
    wall, cpu, baseline = [], [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        library = load_library([CRITERIA])
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
        c = time.process_time()
        for text in texts:
            yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        baseline.append(time.process_time() - c)
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    print(f"{len(files)} files, {lines} lines, {len(library.problems)} problems; "
          f"libyaml: {hasattr(yaml, 'CSafeLoader')}")
    print(f"validate all (wall)    median {ms(statistics.median(wall))}, min {ms(min(wall))}")
    print(f"validate all (CPU)     median {ms(statistics.median(cpu))}, min {ms(min(cpu))}")
    print(f"yaml.load only (CPU)   median {ms(statistics.median(baseline))} (for comparison)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)

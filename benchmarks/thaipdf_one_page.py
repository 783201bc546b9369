"""How long the Thai PDF toolkit takes to wrap and build a one-page A4 document.

Run: .venv/bin/python benchmarks/thaipdf_one_page.py [repeats]

Cold = the first document in a fresh process (font registration and the pythainlp dictionary
load included); warm = each later document (what a web worker pays once warmed up). Word-width
caches are cleared before each warm run so every run wraps from scratch.
"""
from __future__ import annotations

import io
import statistics
import sys
import time


def main(repeats: int = 20) -> None:
    t0 = time.perf_counter()
    from lgo_assess.core.thaipdf import sample, shaping, wrap

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    sample.build_sample(io.BytesIO())
    cold = time.perf_counter() - t0

    warm, wrap_only = [], []
    for _ in range(repeats):
        shaping.text_width.cache_clear()
        wrap.tokenize.cache_clear()
        t0 = time.perf_counter()
        for text in (sample.MISSION, sample.LGO_NAME, sample.URL_LINE, " ".join(sample.MARK_CASES),
                     *(row[1] for row in sample.ROWS)):
            wrap.wrap_lines(text, "Sarabun", 16, 481)
        wrap_only.append(time.perf_counter() - t0)
        shaping.text_width.cache_clear()
        wrap.tokenize.cache_clear()
        buf = io.BytesIO()
        t0 = time.perf_counter()
        sample.build_sample(buf)
        warm.append(time.perf_counter() - t0)

    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    print(f"import toolkit                {ms(t_import)}")
    print(f"first document (cold)         {ms(cold)}")
    print(f"wrap the page's text (warm)   median {ms(statistics.median(wrap_only))}")
    print(f"build one A4 page (warm)      median {ms(statistics.median(warm))}, "
          f"min {ms(min(warm))}, max {ms(max(warm))} over {repeats}; {len(buf.getvalue())} bytes")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

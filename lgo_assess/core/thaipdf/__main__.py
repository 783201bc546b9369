"""``python -m lgo_assess.core.thaipdf sample out.pdf`` writes the sample PDF (no Flask needed).

Look at it with ``pdftoppm -r 100 -png -f 1 -l 1 out.pdf page`` and ``pdftotext -raw out.pdf -``.
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lgo_assess.core.thaipdf")
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser("sample", help="write a one-page Thai sample PDF")
    sample.add_argument("output", help="where to write the PDF")
    args = parser.parse_args(argv)

    from lgo_assess.core.thaipdf.sample import build_sample

    build_sample(args.output)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())

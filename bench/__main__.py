"""``python -m bench``: the benchmark suite (issue 7), written to bench/results/<name>.*

    python -m bench --quick                      # tiny sizes: CI's smoke run (make bench-quick)
    python -m bench                              # N = 1k, 10k, 100k (make bench)
    python -m bench --sizes 1000,10000 --name up-to-10k

Starts its own stand-ins on free ports (and a temporary Prefect server for the flow run);
needs nothing running. Prints where the files went.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.output import write_all
from bench.suite import BENCHMARKS, Config, run_suite

FULL_SIZES = [1_000, 10_000, 100_000]
FULL_KS = [0, 10, 1_000]
QUICK_SIZES = [100, 300]
QUICK_KS = [0, 10, 100]
PER_RECORD_CAP = 10_000
OUT = Path(__file__).resolve().parent / "results"


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def parse(argv: list[str]) -> Config:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny sizes {QUICK_SIZES} and k {QUICK_KS}")
    parser.add_argument("--sizes", type=_ints, help=f"N values (default {FULL_SIZES})")
    parser.add_argument("--ks", type=_ints, help=f"changes per incremental run ({FULL_KS})")
    parser.add_argument("--per-record-cap", type=int, default=PER_RECORD_CAP,
                        help="for N above this, the per-record baseline sends only this many "
                             "upserts; its calls and time are extrapolated and marked so")
    parser.add_argument("--name", help="result file name (default: quick, full or sizes-...)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder ({OUT})")
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out: "
                        + ", ".join(b for b in BENCHMARKS if b not in ("initial_load",
                                                                       "idempotent_rerun")))
    args = parser.parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    ks = args.ks or (QUICK_KS if args.quick else FULL_KS)
    name = args.name or ("quick" if args.quick else "full" if sizes == FULL_SIZES
                         else "sizes-" + "-".join(map(str, sizes)))
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks to skip: {', '.join(sorted(unknown))}")
    return Config(name=name, sizes=sizes, ks=ks, per_record_cap=args.per_record_cap,
                  out_dir=args.out, work_dir=Path(), skip=skip)


def main(argv: list[str] | None = None) -> None:
    config = parse(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)

    with tempfile.TemporaryDirectory(prefix="erpsync-bench-") as work:
        # Prefect keeps its database under PREFECT_HOME: a private one, never a user's.
        os.environ["PREFECT_HOME"] = str(Path(work) / "prefect-home")
        config.work_dir, config.log = Path(work), log
        results = run_suite(config)
    for path in write_all(results, config.out_dir):
        log(f"wrote {path}")


if __name__ == "__main__":
    main()

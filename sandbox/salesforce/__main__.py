"""``python -m sandbox.salesforce --port N [--db PATH|:memory:] [--cert-dir DIR]
[--clock YYYY-MM-DDTHH:MM[:SS]] [--token-ttl SECONDS] [--api-limit CALLS] [--demo-data]``"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from sandbox.salesforce.clock import parse_datetime
from sandbox.salesforce.limits import DEFAULT_DAILY_LIMIT
from sandbox.salesforce.server import serve
from sandbox.salesforce.state import Config

DEFAULT_PORT = 8443
DEFAULT_CERT_DIR = Path(".erpsync/sandbox/certs")


def _clock(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        raise argparse.ArgumentTypeError("expected YYYY-MM-DDTHH:MM[:SS] (UTC)")
    return moment


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(prog="python -m sandbox.salesforce",
                                     description="Local Salesforce REST API stand-in (HTTPS).")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--db", default=":memory:", help="SQLite file, or :memory:")
    parser.add_argument("--cert-dir", type=Path, default=DEFAULT_CERT_DIR)
    parser.add_argument("--clock", type=_clock, help="pin the start time (UTC); it keeps ticking")
    parser.add_argument("--token-ttl", type=int, default=7200, help="seconds a token lives")
    parser.add_argument("--api-limit", type=int, default=DEFAULT_DAILY_LIMIT,
                        help="daily API calls before 403 REQUEST_LIMIT_EXCEEDED")
    parser.add_argument("--demo-data", action="store_true",
                        help="load 5 Salesforce-only demo accounts into an empty database")
    args = parser.parse_args(argv)
    return Config(port=args.port, db=args.db, cert_dir=args.cert_dir, clock=args.clock,
                  token_ttl=args.token_ttl, demo_data=args.demo_data, api_limit=args.api_limit)


def main(argv: list[str] | None = None) -> None:
    serve(parse_args(argv))


if __name__ == "__main__":
    main()

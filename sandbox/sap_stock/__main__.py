"""``python -m sandbox.sap_stock --port N [--client 100] [--auth USER:PASSWORD]
[--page-cap 1000] [-q]``"""

from __future__ import annotations

import argparse

from sandbox.sap_stock.server import Config, serve


def parse_args(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(prog="python -m sandbox.sap_stock",
                                     description="Local stand-in for API_MATERIAL_STOCK_SRV.")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--client", default="100", help="the SAP client it answers for")
    parser.add_argument("--auth", help="USER:PASSWORD for HTTP basic authentication")
    parser.add_argument("--page-cap", type=int, default=1000,
                        help="most entries per answer; the rest is linked with __next")
    parser.add_argument("-q", "--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    if args.page_cap < 1:
        parser.error("--page-cap must be at least 1")
    return Config(port=args.port, host=args.host, client=args.client, auth=args.auth,
                  page_cap=args.page_cap, quiet=args.quiet)


def main(argv: list[str] | None = None) -> None:
    serve(parse_args(argv))


if __name__ == "__main__":
    main()

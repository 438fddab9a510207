"""CSV as Bulk API 2.0 speaks it: the job's column delimiter and line ending, UTF-8,
``#N/A`` for null; results written to a spooled file so large ones never sit in memory.
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_csv_valid_record_rows.htm
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

DELIMITERS = {"COMMA": ",", "SEMICOLON": ";", "TAB": "\t", "PIPE": "|", "CARET": "^",
              "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
NULL_MARK = "#N/A"
SPOOL_BYTES = 1 << 20  # results up to 1 MiB stay in memory, larger ones go to a temp file


class CsvFormatError(ValueError):
    """The uploaded data does not match the job's CSV settings."""


def read_rows(data: IO[bytes], delimiter: str, line_ending: str) -> Iterator[list[str]]:
    """The records of an uploaded CSV (header first), streamed from a binary file."""
    _check_line_ending(data, line_ending)
    text = io.TextIOWrapper(data, encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text, delimiter=DELIMITERS[delimiter], strict=True)
    except csv.Error as exc:
        raise CsvFormatError(f"ClientInputError : invalid CSV: {exc}") from None
    finally:
        text.detach()


def _check_line_ending(data: IO[bytes], line_ending: str) -> None:
    """Salesforce refuses data whose first line ends differently from ``lineEnding``."""
    start = data.tell()
    first = data.readline(1 << 16)
    data.seek(start)
    if first.endswith(b"\n") and first.endswith(b"\r\n") != (line_ending == "CRLF"):
        raise CsvFormatError("ClientInputError : LineEnding is invalid on user data. Current "
                             f"LineEnding setting is {line_ending}")


def write_csv(header: list[str], rows: Iterable[list[str]], delimiter: str,
              line_ending: str) -> tuple[IO[bytes], int]:
    """Header and rows, every value quoted, into a spooled file; returns (file, size)."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    writer = csv.writer(text, delimiter=DELIMITERS[delimiter],
                        lineterminator=LINE_ENDINGS[line_ending], quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    text.flush()
    text.detach()
    size = spool.tell()
    spool.seek(0)
    return spool, size

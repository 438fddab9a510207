"""The CSV a Bulk API 2.0 ingest job takes, and the result rows it gives back.

Encoding (Bulk API 2.0 and Bulk API Developer Guide, "Prepare CSV Files" and "Valid CSV Record
Rows", https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm,
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_bulk_v2/datafiles_csv_valid_record_rows.htm):

* UTF-8, comma-delimited, LF line endings, values quoted when they hold a comma, quote or line
  break (``csv.QUOTE_MINIMAL`` does exactly that);
* the header is the union of every record's fields; a record without a field leaves that cell
  empty, and an empty cell is *ignored* on update - the same meaning as a field absent from a
  JSON body;
* ``#N/A`` sets a field to null, so ``None`` (and ``""``, which the REST API stores as null
  too) is written as ``#N/A``; a ``None`` parent reference clears the lookup field instead
  (``references``);
* dateTime ``yyyy-MM-ddTHH:mm:ss.SSSZ``, date ``yyyy-MM-dd`` ("Valid Date Format in Records",
  https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_date_format.htm),
  numbers in plain notation, booleans ``true``/``false``.

A job takes at most about 100 MB of CSV ("Upload Job Data"); ``encode_jobs`` cuts the rows into
as many uploads as needed, each with the header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import TargetRecord
from connectors.salesforce.references import Relationship, split_path
from connectors.salesforce.soql import literal

NULL = "#N/A"


def csv_value(value: Any) -> str:
    """The CSV cell of one field value; ``TypeError`` for a value Salesforce has no form of.
    Dates, dateTimes, numbers and booleans are written exactly as their SOQL literals."""
    if value is None or value == "":
        return NULL
    if isinstance(value, str):
        return value
    return literal(value)


def csv_fields(
    record: TargetRecord, relationships: Mapping[str, Relationship], with_id: bool
) -> dict[str, str]:
    """One record's cells by column; ``Id`` first when it is an update."""
    cells = {"Id": str(record.key)} if with_id else {}
    for name, value in record.fields.items():
        path = split_path(name)
        if path is not None and value is None:
            cells[relationships[path[0]].field] = NULL
        elif name != "attributes":
            cells[name] = csv_value(value)
    return cells


@dataclass(frozen=True)
class Upload:
    """One job's worth of CSV, and which record each row is: ``(key value, record index)``
    in row order."""

    body: bytes
    rows: list[tuple[str, int]]


def encode_jobs(
    rows: Mapping[int, Mapping[str, str]], key_column: str, max_bytes: int
) -> Iterator[Upload]:
    """CSV uploads of at most about ``max_bytes`` each (a single larger row still goes), from
    the cells of each record by its index."""
    columns = list(dict.fromkeys(name for cells in rows.values() for name in cells))
    header = _line(columns)
    body: list[bytes] = [header]
    members: list[tuple[str, int]] = []
    size = len(header)
    for index, cells in rows.items():
        line = _line([cells.get(name, "") for name in columns])
        if members and size + len(line) > max_bytes:
            yield Upload(b"".join(body), members)
            body, members, size = [header], [], len(header)
        body.append(line)
        members.append((cells[key_column], index))
        size += len(line)
    if members:
        yield Upload(b"".join(body), members)


def _line(cells: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode("utf-8")


def result_rows(text: str) -> Iterator[dict[str, str]]:
    """The rows of a results CSV (successful, failed or unprocessed), by column name."""
    yield from csv.DictReader(io.StringIO(text))

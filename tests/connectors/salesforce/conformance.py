"""Replaying exchanges recorded from real orgs against the sandbox, and comparing the answers.

The recordings (``../shared/fixtures/salesforce/recorded/*.json``, see SOURCES.md) are lists of
``{method, uri, request_body, status, response_body}`` made by CumulusCI's own tests against real
orgs. Each file is one sequence: later requests name records that earlier answers created, and
the first queries may list records the org already had. ``Replay`` therefore

* maps every record Id of a recorded answer to the Id at the same place in the sandbox's
  answer, and writes the sandbox's Ids into later requests;
* before a recorded query, creates through the control plane the records it lists that the
  sequence never created (the org's data before the recording), so that both answers can agree;
* compares each answer with the recorded one key by key (``differences``): the same status,
  the same keys at every level, the same values - except that Ids only need the same key prefix
  and length, query rows may come in another order (no ORDER BY), and ``limits/recordCount``
  is compared by shape (Salesforce's record count is an estimate, refreshed asynchronously).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from salesforce_support import API, SandboxControl

RECORDED_HOST = "https://orgname.my.salesforce.com"
RECORDED_API = "/services/data/vxx.0"
_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")


@dataclass(frozen=True)
class Exchange:
    method: str
    uri: str
    request_body: Any
    status: int
    response_body: Any

    @property
    def label(self) -> str:
        return f"{self.method} {urlsplit(self.uri).path.removeprefix(RECORDED_API)}"


def load_exchanges(path: Path) -> list[Exchange]:
    return [Exchange(**raw) for raw in json.loads(path.read_text(encoding="utf-8"))]


def looks_like_id(value: object) -> bool:
    """A Salesforce record Id: 15 or 18 letters and digits, starting with a key prefix that
    has a digit (``001``, ``003``, ``a0B``...)."""
    return isinstance(value, str) and bool(_ID.fullmatch(value)) \
        and any(c.isdigit() for c in value[:3])


def swap_ids(text: str, ids: dict[str, str]) -> str:
    """``text`` with every recorded Id the replay has learnt replaced by the sandbox's."""
    for recorded, served in ids.items():
        text = text.replace(recorded, served)
    return text


@dataclass
class Replay:
    """One recorded sequence, sent step by step to a freshly reset sandbox."""

    control: SandboxControl
    http: requests.Session
    instance_url: str
    token: str
    ids: dict[str, str] = field(default_factory=dict)

    def send(self, exchange: Exchange) -> tuple[int, Any]:
        self._seed_preexisting(exchange)
        url = self.instance_url + API + self._rewrite(
            exchange.uri.removeprefix(RECORDED_HOST + RECORDED_API))
        body = json.loads(self._rewrite(json.dumps(exchange.request_body)))
        response = self.http.request(
            exchange.method, url, json=body, timeout=30,
            headers={"Authorization": "Bearer " + self.token})
        answer = response.json() if response.content else None
        self._learn_ids(exchange.response_body, answer)
        return response.status_code, answer

    def _rewrite(self, text: str) -> str:
        return swap_ids(text, self.ids)

    def _learn_ids(self, recorded: Any, served: Any) -> None:
        if looks_like_id(recorded) and isinstance(served, str):
            self.ids.setdefault(recorded, served)
        elif isinstance(recorded, dict) and isinstance(served, dict):
            for key, value in recorded.items():
                self._learn_ids(value, served.get(key))
        elif isinstance(recorded, list) and isinstance(served, list):
            for mine, theirs in zip(_in_order(recorded), _in_order(served), strict=False):
                self._learn_ids(mine, theirs)

    def _seed_preexisting(self, exchange: Exchange) -> None:
        """Records a recorded query lists that this sequence did not create: the org had them."""
        body = exchange.response_body
        if exchange.method != "GET" or not isinstance(body, dict) or "records" not in body:
            return
        unknown = [r for r in body["records"] if r.get("Id") and r["Id"] not in self.ids]
        if not unknown:
            return
        obj = unknown[0]["attributes"]["type"]
        rows = [{k: v for k, v in r.items() if k not in ("attributes", "Id")} for r in unknown]
        created = self.control.seed(obj, rows)[obj]
        self.ids.update(zip((r["Id"] for r in unknown), created, strict=True))


def _in_order(rows: list[Any]) -> list[Any]:
    """Query rows in a canonical order (by their non-Id content), other lists as they are."""
    if rows and all(isinstance(r, dict) and "attributes" in r for r in rows):
        return sorted(rows, key=_content_key)
    return rows


def _content_key(row: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in row.items() if k not in ("attributes", "Id")},
                      sort_keys=True, default=str)


def differences(exchange: Exchange, status: int, served: Any, ids: dict[str, str]) -> list[str]:
    """Where the sandbox's answer departs from the recorded one (empty: it conforms)."""
    found = [] if status == exchange.status else [f"status {status} != {exchange.status}"]
    shape_only = "/limits/recordCount" in exchange.uri
    return found + list(_compare(exchange.response_body, served, "$", ids, shape_only))


def _compare(recorded: Any, served: Any, where: str, ids: dict[str, str],
             shape_only: bool) -> Iterator[str]:
    if isinstance(recorded, dict) and isinstance(served, dict):
        if recorded.keys() != served.keys():
            yield (f"{where}: keys {sorted(served)} != {sorted(recorded)}")
        for key in recorded.keys() & served.keys():
            yield from _compare(recorded[key], served[key], f"{where}.{key}", ids, shape_only)
    elif isinstance(recorded, list) and isinstance(served, list):
        if shape_only:  # an estimate: one row's shape, when both have one
            recorded, served = (recorded[:1], served[:1]) if recorded and served else ([], [])
        if len(recorded) != len(served):
            yield f"{where}: {len(served)} items != {len(recorded)}"
        for n, (mine, theirs) in enumerate(zip(_in_order(recorded), _in_order(served),
                                               strict=False)):
            yield from _compare(mine, theirs, f"{where}[{n}]", ids, shape_only)
    elif not _same_value(recorded, served, ids, shape_only):
        yield f"{where}: {served!r} != {recorded!r}"


def _same_value(recorded: Any, served: Any, ids: dict[str, str], shape_only: bool) -> bool:
    if shape_only or (looks_like_id(recorded) and isinstance(served, str)):
        return type(recorded) is type(served) and (
            not looks_like_id(recorded) or (served[:3] == recorded[:3] and len(served) == 18))
    if isinstance(recorded, str) and isinstance(served, str) and "/sobjects/" in recorded:
        return swap_ids(recorded, ids).replace(RECORDED_API, API) == served
    return bool(recorded == served) and type(recorded) is type(served)

"""The run summary in plain words, and the commands it points to: each one must be a command
the `erpsync` CLI really has (checked by running it with --help)."""

from __future__ import annotations

import re

from engine.report import RunReport, SystemCounts
from flows.next_steps import cli_has, command
from flows.summary import RunFacts, records, summary_markdown
from tests.flows.conftest import child_env, erpsync


def report(**totals: int) -> RunReport:
    return RunReport(sync="customers", run_id="r-1", status="completed", pages=2,
                     systems={"sap": SystemCounts(read=21, created=5),
                              "salesforce": SystemCounts(read=16, created=16, updated=5)},
                     **totals)


def test_what_changed_and_nothing_to_do() -> None:
    text = summary_markdown(RunFacts(report=report(), entity="customer", mode="incremental"))
    assert "- **salesforce**: 16 created, 5 updated (21 customers)" in text
    assert "Nothing: both systems agree" in text


def test_a_quiet_run_says_nothing_changed() -> None:
    quiet = RunReport(sync="customers", run_id="r-2", status="completed",
                      systems={"sap": SystemCounts(read=1, echoes=1),
                               "salesforce": SystemCounts(read=1, echoes=1)})
    text = summary_markdown(RunFacts(report=quiet, entity="customer", mode="incremental"))
    assert "Nothing changed" in text


def test_attention_names_the_commands_that_resolve_it() -> None:
    busy = report(dead_letters=2, conflicts=1, held=1)
    busy.messages.append("salesforce's API allowance is spent (REQUEST_LIMIT_EXCEEDED)")
    text = summary_markdown(RunFacts(report=busy, entity="customer", mode="incremental",
                                     failed_by_system={"sap": 2}, open_conflicts=1,
                                     open_letters=3))
    assert "**2 customers could not be synced**" in text and "2 for sap" in text
    assert "`erpsync dead-letters replay customers`" in text
    assert "`erpsync conflicts list customers`" in text
    assert "3 dead letter(s) of this sync are open in all" in text
    assert "API allowance is spent" in text
    mentioned = set(re.findall(r"`(erpsync [^`]+)`", text))
    assert len(mentioned) >= 5
    for line in mentioned:
        words = [w for w in line.split()[1:] if w not in ("customers", "<key>")]
        result = erpsync(*words, "--help", env=child_env(""))
        assert result.returncode == 0, f"{line}: {result.stderr}"


def test_commands_that_do_not_exist_are_never_suggested() -> None:
    assert command("dead-letters", "replay", args="customers") == \
        "erpsync dead-letters replay customers"
    assert command("dead-letters", "purge") is None and not cli_has("teleport")


def test_plural_names_read_naturally() -> None:
    assert records("customer", 1) == "customer" and records("customer", 2) == "customers"
    assert records("price_list_entry", 3) == "price list entries"

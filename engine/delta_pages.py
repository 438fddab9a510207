"""Pages of a system's delta feed (``capabilities.ReadsDelta``), for ``SyncRun.pages``.

The feed starts at the link the state store kept for (sync, system, object); the first run
has none and reads every record. Records come in the system's order, deletes among them
(they pass the sync's filter: their fields are gone). The new link is kept only after the
last page was processed, i.e. checkpointed: a run that stops earlier (a crash, a spent API
allowance) reads the same changes again next time - at least once, never lost. A dry run
keeps nothing. The ``(modified_at, key)`` cursor still moves with each page (forward only),
so a system switched back to change-stamp reads resumes near where the feed stopped.
"""

from __future__ import annotations

from collections.abc import Iterator

from connectors.base import SourceRecord
from engine.capabilities import ReadsDelta
from engine.context import RunContext

Page = list[SourceRecord]


def delta_pages(ctx: RunContext, source: str, connector: ReadsDelta) -> Iterator[Page]:
    obj = ctx.obj(source)
    feed = connector.read_delta(obj, ctx.store.delta_link(ctx.sync, source, obj),
                                ctx.converter.fields_of(source))
    size = ctx.mapping.page_size
    includes = ctx.mapping.systems[source].includes
    page: Page = []
    for record in feed:
        if record.deleted or includes(record.fields):
            page.append(record)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page
    if feed.link is not None and not ctx.dry_run:
        ctx.store.save_delta_link(ctx.sync, source, obj, feed.link)

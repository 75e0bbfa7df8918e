"""Planning a roster batch's lookups for their own arrays, whatever the tables' statistics say."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

import asyncpg


@asynccontextmanager
async def planned_for_arrays(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Inside: plans made for each statement's own parameters, without nested loops.

    The facility's tables grow by thousands of rows a batch inside an import's transaction, while their statistics
    can say they are empty: autovacuum, cleaning up after a dry run, counts none of this transaction's rows but
    cannot shrink the table while it runs. Believing the tables empty, the planner picks plans that match every row
    against every id (a generic plan's unhashed `= ANY`, nested loops over whole tables): 100,000-row imports took
    400 s and more instead of 25. So the lookups are planned for their own arrays, without nested loops, and cost at
    most a pass over the facility's rows whatever the statistics say. (Not the writes: planning their arrays as
    constants doubles their cost.)
    """
    await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL enable_nestloop = off")
    yield
    await conn.execute("SET LOCAL plan_cache_mode TO DEFAULT; SET LOCAL enable_nestloop TO DEFAULT")

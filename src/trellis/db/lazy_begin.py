"""The names that PostgreSQL's lazy ``BEGIN`` is marked with (see :mod:`trellis.db.sessions`).

Their own module because three others read them: the engines (which engines support it, and
the pool's checkin that undoes it), the sessions (which switch connections), and the driver
reads (which read on a connection of their own in the same state).
"""

from __future__ import annotations

__all__ = ["AUTOCOMMIT_READS", "LAZY_BEGIN"]

#: Execution option of the engines sessions use: plain reads may run before ``BEGIN``.
LAZY_BEGIN = "trellis_lazy_begin"
#: Set in a pooled connection's ``info`` while it reads in autocommit for a session.
AUTOCOMMIT_READS = "trellis.autocommit_reads"

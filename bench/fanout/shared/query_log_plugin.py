# dbt-duckdb plugin of the fan-out bench, loaded next to a generated project's own plugin (a patched copy of its
# profiles.yml; the runtime is untouched): when FANOUT_QUERY_LOG names a directory, DuckDB logs every SQL statement
# it runs there (its QueryLog, file storage), so the bench can count the statements of a run.
import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin


class Plugin(BasePlugin):
    def configure_connection(self, conn: Any) -> None:
        log_dir = os.environ.get("FANOUT_QUERY_LOG")
        if log_dir:
            quoted = "'" + log_dir.replace("'", "''") + "'"
            conn.execute("CALL enable_logging('QueryLog', storage = 'file', storage_path = %s)" % quoted)

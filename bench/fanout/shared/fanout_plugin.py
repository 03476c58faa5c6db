# dbt-duckdb plugin of the fan-out prototypes: registers fanout_http_batch(requests VARCHAR, concurrency INTEGER)
# -> VARCHAR, and, when FANOUT_QUERY_LOG names a directory, logs every SQL statement DuckDB runs there
# (DuckDB's QueryLog, file storage), so the bench can count the statements of a run.
import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

import fanout_http


class Plugin(BasePlugin):
    def configure_connection(self, conn: Any) -> None:
        log_dir = os.environ.get("FANOUT_QUERY_LOG")
        if log_dir:
            quoted = "'" + log_dir.replace("'", "''") + "'"
            conn.execute("CALL enable_logging('QueryLog', storage = 'file', storage_path = %s)" % quoted)
        conn.create_function("fanout_http_batch", fanout_http.http_batch, ["VARCHAR", "INTEGER"], "VARCHAR",
                             null_handling="special", side_effects=True)

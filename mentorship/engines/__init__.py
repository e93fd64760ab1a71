"""Where the SQL models run: DuckDB (embedded, the default), PostgreSQL, or Spark.

The SQL files (``assets/sql``) are written once, in DuckDB's dialect. Every engine takes that SQL:
DuckDB runs it as written; PostgreSQL and Spark run it after :mod:`mentorship.engines.rewrite` has
rewritten it on SQLGlot's parsed tree (decision record 0011). Everything after the SQL layer (the
effect step, the exports) reads through one call, :meth:`Engine.fetch_arrow`, so only this package
knows which engine holds the tables. Plain Python: no Dagster import.
"""

from mentorship.engines.base import ENGINES, Engine, EngineError, ForeignTableError
from mentorship.engines.connect import open_engine
from mentorship.engines.duck import DuckEngine, as_engine

__all__ = ["ENGINES", "DuckEngine", "Engine", "EngineError", "ForeignTableError", "as_engine", "open_engine"]

"""PostgreSQL through ADBC (Arrow in and out: COPY to load, Arrow to read), one transaction per write."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pyarrow as pa

from mentorship.engines import rewrite
from mentorship.engines.base import OWNER_MARK, SCHEMAS, Engine, EngineError, ForeignTableError

#: Created in the analytics schema at the check: DuckDB's ``median`` is an aggregate that also works as
#: a window function; PostgreSQL's ``percentile_cont`` is not allowed in a window.
SUPPORT_SQL = (
    """
create or replace function {analytics}.mentorship_median_final(double precision[]) returns double precision
    language sql immutable as $$ select percentile_cont(0.5) within group (order by x) from unnest($1) as x $$""",
    """
create or replace aggregate {analytics}.median(double precision) (
    sfunc = array_append, stype = double precision[], finalfunc = {analytics}.mentorship_median_final, initcond = '{{}}'
)""",
)


def plain(table: pa.Table) -> pa.Table:
    """Dictionary columns (DuckDB's enums, pandas categoricals) as their values, which COPY takes."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(f.type.value_type))
    return table


class PostgresEngine(Engine):
    name = "postgres"

    def __init__(self, url: str, where: str, setting: str = "MENTORSHIP_POSTGRES_URL", prefix: str = ""):
        self.where, self.setting, self.prefix = where, setting, prefix
        # Never in a message: libpq may quote the URL (or a part of it) back.
        self._secret = urlsplit(url).password
        import adbc_driver_postgresql.dbapi as dbapi

        try:
            self.conn = dbapi.connect(url)
        except Exception as e:  # the driver's errors carry libpq's message
            raise EngineError(self.name, where, setting, f"cannot connect: {self._reason(e)}") from None

    def _reason(self, e: Exception) -> str:
        text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        text = text.removeprefix("IO: ").removeprefix("INTERNAL: ")
        for secret in {self._secret, unquote(self._secret or "")} - {None, ""}:
            text = text.replace(secret, "***")
        return text

    # -- reading ------------------------------------------------------------------------------
    def sql(self, sql: str, **kw) -> str:
        return rewrite.to_target(sql, "postgres", prefix=self.prefix, **kw)

    def fetch_arrow(self, sql: str, params: dict | None = None) -> pa.Table:
        try:
            with self.conn.cursor() as cur:
                cur.execute(self.sql(sql, params=params))
                return cur.fetch_arrow_table()
        finally:
            self.conn.rollback()  # end the read's transaction, or a failed one

    # -- writing ------------------------------------------------------------------------------
    def _schema(self, schema: str) -> str:
        return self.prefix + schema

    def _owners(self, schema: str) -> dict[str, str | None]:
        """Tables in ``schema`` and their comments."""
        with self.conn.cursor() as cur:
            cur.execute(
                "select c.relname, obj_description(c.oid, 'pg_class') from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace "
                f"where n.nspname = '{schema}' and c.relkind in ('r', 'p', 'v', 'm', 'f')"
            )
            return dict(cur.fetchall())

    def _foreign(self, schema: str, name: str) -> bool:
        owners = self._owners(schema)
        return name in owners and not (owners[name] or "").startswith(OWNER_MARK)

    def _mark(self, cur, schema: str, name: str) -> None:
        cur.execute(f"comment on table {schema}.{name} is '{OWNER_MARK}: built by the mentorship pipeline'")

    def _doubles(self, cur, schema: str, name: str) -> None:
        """NUMERIC columns (PostgreSQL's avg of integers, extract, decimal literals) as double precision:
        DuckDB's tables hold DOUBLE there, and Arrow would carry NUMERIC as decimals or text."""
        cur.execute(
            "select column_name from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{name}' and data_type = 'numeric' order by ordinal_position"
        )
        columns = [c for (c,) in cur.fetchall()]
        if columns:
            alter = ", ".join(f'alter column "{c}" type double precision' for c in columns)
            cur.execute(f"alter table {schema}.{name} {alter}")

    def _byte_order(self, cur, schema: str, name: str, arrow: pa.Schema) -> None:
        """Text columns collated "C": DuckDB orders text by its bytes whatever the database's locale, and the
        tables built from these inherit the collation (sort keys, arg_min's tie-breaks, the effect step's order)."""
        text = [f.name for f in arrow if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        text += [
            f.name
            for f in arrow
            if pa.types.is_dictionary(f.type)
            and (pa.types.is_string(f.type.value_type) or pa.types.is_large_string(f.type.value_type))
        ]
        if text:
            alter = ", ".join(f'alter column "{c}" type text collate "C"' for c in text)
            cur.execute(f"alter table {schema}.{name} {alter}")

    def _ensure_schemas(self, cur) -> None:
        # Created only when missing: a login with rights on schemas an administrator made needs no
        # CREATE on the database.
        for schema in SCHEMAS:
            cur.execute(f"select count(*) from pg_namespace where nspname = '{self._schema(schema)}'")
            if cur.fetchone()[0] == 0:
                cur.execute(f"create schema {self._schema(schema)}")

    def _ensure_median(self, cur) -> None:
        """The ``median`` aggregate (SUPPORT_SQL), made once and marked; one the pipeline did not make is
        left alone and refused."""
        analytics = self._schema("analytics")
        cur.execute(
            "select p.proname, obj_description(p.oid, 'pg_proc') from pg_proc p join pg_namespace n "
            f"on n.oid = p.pronamespace where n.nspname = '{analytics}' "
            "and p.proname in ('median', 'mentorship_median_final')"
        )
        found = dict(cur.fetchall())
        foreign = sorted(f for f, note in found.items() if not (note or "").startswith(OWNER_MARK))
        if foreign:
            raise ForeignTableError(
                self.name,
                self.where,
                "MENTORSHIP_SCHEMA_PREFIX",
                f"the function {analytics}.{foreign[0]} exists and was not created by this pipeline; it is left "
                "as it is and nothing was written. Point the pipeline at its own schemas with a prefix",
            )
        if len(found) < 2:
            for statement in SUPPORT_SQL:
                cur.execute(statement.format(analytics=analytics))
            cur.execute(
                f"comment on function {analytics}.mentorship_median_final(double precision[]) is '{OWNER_MARK}'"
            )
            cur.execute(f"comment on aggregate {analytics}.median(double precision) is '{OWNER_MARK}'")

    def check(self, tables: list[str]) -> None:
        try:
            with self.conn.cursor() as cur:
                # First, in a transaction rolled back whatever happens: can this login create tables?
                self._ensure_schemas(cur)
                for schema in SCHEMAS:
                    probe = f"{self._schema(schema)}.mentorship_write_check"
                    cur.execute(f"create table {probe} (x integer)")
                    cur.execute(f"drop table {probe}")
                self._ensure_median(cur)
            self.conn.rollback()
            self._guard(tables)
            # Then the schemas and the median aggregate the models need, kept.
            with self.conn.cursor() as cur:
                self._ensure_schemas(cur)
                self._ensure_median(cur)
            self.conn.commit()
        except ForeignTableError:
            self.conn.rollback()
            raise
        except Exception as e:
            self.conn.rollback()
            raise EngineError(self.name, self.where, self.setting, f"cannot create tables: {self._reason(e)}") from None

    def build(self, table: str, sql: str, variables: dict, macros: str) -> int:
        schema, name = self._table(table)
        try:
            self._guard([table])
            query = self.sql(sql, variables=variables, macros=macros, label=f"{name}.sql")
            with self.conn.cursor() as cur:
                cur.execute(f"create schema if not exists {schema}")
                cur.execute(f"drop table if exists {schema}.{name}")
                cur.execute(f"create table {schema}.{name} as {query}")
                self._doubles(cur, schema, name)
                self._mark(cur, schema, name)
                cur.execute(f"select count(*) from {schema}.{name}")
                (rows,) = cur.fetchone()
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        return rows

    def write_tables(self, tables: dict[str, pa.Table]) -> None:
        try:
            self._guard(tables)
            with self.conn.cursor() as cur:
                for table, data in tables.items():
                    schema, name = self._table(table)
                    if not isinstance(data, pa.Table):
                        data = pa.Table.from_pandas(data, preserve_index=False)
                    cur.execute(f"create schema if not exists {schema}")
                    cur.execute(f"drop table if exists {schema}.{name}")
                    cur.adbc_ingest(name, plain(data), mode="create", db_schema_name=schema)
                    self._byte_order(cur, schema, name, data.schema)
                    self._mark(cur, schema, name)
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

    def close(self) -> None:
        self.conn.close()

"""Column mappings: how a user's export is read onto the contract.

A mapping file is YAML. Every part is optional; the bundled sample needs none (the identity
mapping). See ``mappings/example_hris.yaml`` for a commented example of every key.

.. code-block:: yaml

    sources:
      employees:
        columns: {employee_id: "Worker ID", hire_date: "Original Hire Date"}   # contract: yours
        values: {termination_type: {RES: voluntary, DIS: involuntary}}         # your code: contract value
        date_format: "%d/%m/%Y"             # or a list, tried in order; default %Y-%m-%d
        date_formats: {hire_date: "%d.%m.%Y"}   # per column, overriding date_format
        csv: {delimiter: ";", encoding: latin-1}  # default: sniffed
        excel: {sheet: Export}              # default: the first sheet
        duplicate_columns: {hire_date: 2}   # a file with two hire_date columns: use the 2nd (or first,
                                            # last); without it, a duplicated contract column blocks the file
        no_value: {termination_date: ["31/12/9999"]}   # placeholders read as empty (default for optional
                                                       # dates: 9999-12-31, 1900-01-01, 0000-00-00; [] for none)
      survey_items:
        constructs: {engagement: [Q01, Q02]}    # item ids per construct, overriding the file's construct
    identifiers:
      case: sensitive     # default: ids differing only in case are flagged (rule id_case);
                          # insensitive: ids are compared and stored upper-cased
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mentorship.contract import SOURCES

DEFAULT_DATE_FORMAT = "%Y-%m-%d"
ENCODINGS = ("utf-8", "latin-1", "utf-16")
ID_CASES = ("sensitive", "insensitive")


class MappingError(ValueError):
    """The mapping file itself is wrong: it names the file and the key."""


@dataclass(frozen=True)
class SourceMapping:
    columns: dict[str, str] = field(default_factory=dict)  # contract column -> column in the file
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_format: tuple[str, ...] = (DEFAULT_DATE_FORMAT,)
    date_formats: dict[str, tuple[str, ...]] = field(default_factory=dict)
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | int = 0
    constructs: dict[str, str] = field(default_factory=dict)  # item id -> construct
    no_value: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> placeholders read as empty
    id_case: str = "sensitive"  # the mapping's identifiers.case, the same for every source
    # contract column -> which of several columns of that name to use: 1-based occurrence, or "last"
    duplicate_columns: dict[str, int | str] = field(default_factory=dict)

    def no_value_for(self, column) -> tuple[str, ...]:
        """The placeholders of ``column`` (a contract ``Column``) read as empty: the mapping's, else the contract's."""
        return self.no_value.get(column.name, column.no_value)

    def formats_for(self, column: str) -> tuple[str, ...]:
        return self.date_formats.get(column, self.date_format)


@dataclass(frozen=True)
class Mapping:
    path: Path | None = None
    sources: dict[str, SourceMapping] = field(default_factory=dict)
    id_case: str = "sensitive"

    def for_source(self, source: str) -> SourceMapping:
        return self.sources.get(source, SourceMapping(id_case=self.id_case))

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "identity mapping (no mapping file)"


def _formats(value, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(f, str) and "%" in f for f in items):
        raise MappingError(f"{where} must be a strftime format such as '%d/%m/%Y', or a list of them; got {value!r}")
    return tuple(items)


#: The keys a source's part of the mapping may hold.
SOURCE_KEYS = frozenset(
    {"columns", "values", "date_format", "date_formats", "csv", "excel", "constructs", "no_value", "duplicate_columns"}
)


def load_mapping(path: Path | str | None) -> Mapping:
    """Read and check a mapping file; ``None`` gives the identity mapping."""
    if path is None:
        return Mapping()
    path = Path(path)
    doc = _read_yaml(path)
    id_case = _id_case(doc.get("identifiers") or {}, path)
    sources = {
        name: _source(name, spec, f"mapping file {path}: sources.{name}", id_case)
        for name, spec in (doc.get("sources") or {}).items()
    }
    return Mapping(path, sources, id_case)


def _read_yaml(path: Path) -> dict:
    """The file's YAML: a mapping holding only ``sources`` and ``identifiers`` (empty for an empty file)."""
    if not path.is_file():
        raise MappingError(f"mapping file {path} does not exist")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise MappingError(f"mapping file {path} is not valid YAML: {e}") from e
    if not isinstance(doc, dict) or set(doc) - {"sources", "identifiers"}:
        raise MappingError(f"mapping file {path}: the top level may hold only 'sources' and 'identifiers'")
    return doc


def _id_case(ids, path: Path) -> str:
    """``identifiers.case``: sensitive (the default) or insensitive."""
    if not isinstance(ids, dict) or set(ids) - {"case"} or str(ids.get("case", "sensitive")).lower() not in ID_CASES:
        raise MappingError(
            f"mapping file {path}: identifiers must be {{case: sensitive}} or {{case: insensitive}}; got {ids!r}"
        )
    return str(ids.get("case", "sensitive")).lower()


def _source(name: str, spec, where: str, id_case: str) -> SourceMapping:
    """One source's part of the mapping, checked: a MappingError names the first key that is wrong."""
    if name not in SOURCES:
        raise MappingError(f"{where}: unknown source (known: {', '.join(SOURCES)})")
    spec = spec or {}
    if unknown := set(spec) - SOURCE_KEYS:
        raise MappingError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(SOURCE_KEYS))})"
        )
    columns = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
    values = {
        str(k): {str(code): str(val) for code, val in (v or {}).items()} for k, v in (spec.get("values") or {}).items()
    }
    date_formats = {
        str(k): _formats(v, f"{where}.date_formats.{k}") for k, v in (spec.get("date_formats") or {}).items()
    }
    no_value = _no_value(spec.get("no_value") or {}, where)
    duplicate_columns = _duplicate_columns(spec.get("duplicate_columns") or {}, where)
    _check_contract_columns(
        name,
        where,
        columns=columns,
        values=values,
        date_formats=date_formats,
        no_value=no_value,
        duplicate_columns=duplicate_columns,
    )
    delimiter, encoding = _csv(spec.get("csv") or {}, where)
    constructs = _constructs(name, spec.get("constructs") or {}, where)
    return SourceMapping(
        columns=columns,
        values=values,
        date_format=_formats(spec["date_format"], f"{where}.date_format")
        if "date_format" in spec
        else (DEFAULT_DATE_FORMAT,),
        date_formats=date_formats,
        delimiter=delimiter,
        encoding=encoding,
        sheet=(spec.get("excel") or {}).get("sheet", 0),
        constructs=constructs,
        no_value=no_value,
        id_case=id_case,
        duplicate_columns=duplicate_columns,
    )


def _no_value(spec: dict, where: str) -> dict[str, tuple[str, ...]]:
    """``no_value``: per column, the placeholders read as empty (one text, a list, or nothing for none)."""
    no_value = {}
    for k, v in spec.items():
        items = [] if v is None else [v] if isinstance(v, str) else v
        if not isinstance(items, list) or not all(isinstance(x, (str, int)) for x in items):
            raise MappingError(f"{where}.no_value.{k} must be a placeholder text or a list of them; got {v!r}")
        no_value[str(k)] = tuple(str(x) for x in items)
    return no_value


def _duplicate_columns(spec: dict, where: str) -> dict[str, int | str]:
    """``duplicate_columns``: per column, which of several of that name to use (a number from 1, first or last)."""
    duplicate_columns = {}
    for k, v in spec.items():
        choice = v.strip().lower() if isinstance(v, str) else v
        if choice in ("first", "last") or (isinstance(choice, int) and not isinstance(choice, bool) and choice >= 1):
            duplicate_columns[str(k)] = 1 if choice == "first" else choice
        else:
            raise MappingError(
                f"{where}.duplicate_columns.{k} must say which of the columns named {k} to use: "
                f"a number counted from 1 in the order they appear (2 for the second), or first "
                f"or last; got {v!r}"
            )
    return duplicate_columns


def _check_contract_columns(name: str, where: str, **parts: dict) -> None:
    """Every column each part names is a column of the source's contract."""
    contract_cols = {c.name for c in SOURCES[name].columns}
    for part, cols in parts.items():
        if bad := sorted(set(cols) - contract_cols):
            raise MappingError(
                f"{where}.{part}: {', '.join(bad)} is not a contract column of {name} "
                f"(contract columns: {', '.join(sorted(contract_cols))})"
            )


def _csv(csv: dict, where: str) -> tuple[str | None, str | None]:
    """``csv``: the delimiter (one character) and the encoding (lower-cased), each None when not set."""
    encoding = csv.get("encoding")
    if encoding is not None and str(encoding).lower() not in ENCODINGS:
        raise MappingError(f"{where}.csv.encoding must be one of {', '.join(ENCODINGS)}; got {encoding!r}")
    delimiter = csv.get("delimiter")
    if delimiter is not None and len(str(delimiter)) != 1:
        raise MappingError(f"{where}.csv.delimiter must be a single character; got {delimiter!r}")
    return delimiter, encoding and str(encoding).lower()


def _constructs(name: str, spec: dict, where: str) -> dict[str, str]:
    """``constructs`` (survey items only): item id -> construct."""
    constructs = {}
    for construct, items in spec.items():
        if name != "survey_items":
            raise MappingError(f"{where}.constructs: constructs belong under sources.survey_items")
        for item in items or []:
            constructs[str(item)] = str(construct)
    return constructs

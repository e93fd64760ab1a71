"""``python -m mentorship.publication EXPORT_DIR [K]``: audit an export folder."""

from __future__ import annotations

import pandas as pd

from mentorship.publication.audit import audit
from mentorship.publication.specs import CHILDREN, SPECS


def main(argv: list[str] | None = None) -> int:
    """``python -m mentorship.publication EXPORT_DIR [K]``: audit an export folder; exit 1 on any finding."""
    import argparse
    from pathlib import Path

    from mentorship.settings import Settings

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("export_dir", type=Path)
    p.add_argument("k", type=int, nargs="?", help="the minimum group size (default: MENTORSHIP_MIN_GROUP_SIZE)")
    a = p.parse_args(argv)
    k = a.k if a.k is not None else Settings.from_env().min_group_size
    frames = {
        f.stem: pd.read_parquet(f)
        for f in sorted(a.export_dir.glob("*.parquet"))
        if f.stem in SPECS or any(c.name == f.stem for c in CHILDREN)
    }
    if not frames:
        print(f"no published tables in {a.export_dir}")
        return 2
    findings = audit(frames, k)
    for f in findings:
        print(f)
    print(f"{len(findings)} disclosure(s) in {len(frames)} tables of {a.export_dir} at minimum group size {k}")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())

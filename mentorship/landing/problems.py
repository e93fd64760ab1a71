"""What goes wrong with a landing file: one file's problem, and the error refusing a source's load."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileProblem:
    file: str
    problem: str


class FileContractError(Exception):
    """At least one file of a source cannot be used; the source's raw table was left as it was."""

    def __init__(self, source: str, problems: list[FileProblem]):
        self.source, self.problems = source, problems
        super().__init__("\n".join(f"{source}: file {p.file}: {p.problem}" for p in problems))


class UnusableFile(Exception):
    """Raised while staging one file, with a plain description of why it cannot be used; the load
    collects it as that file's ``FileProblem``."""

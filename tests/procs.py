"""The live processes of this machine, read from /proc: tests that check which processes a build
starts, leaves behind or kills."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    pid: int
    name: str
    state: str
    ppid: int
    pgrp: int


def live_processes() -> Iterator[Proc]:
    """Every process that is not a zombie (one that exits while it is read is skipped)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name_end = text.rindex(")")
        fields = text[name_end + 2 :].split()
        if fields[0] != "Z":
            name = text[text.index("(") + 1 : name_end]
            yield Proc(int(stat.parent.name), name, fields[0], int(fields[1]), int(fields[2]))

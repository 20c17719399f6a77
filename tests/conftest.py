"""Shared fixtures: the example workbooks, built once per session from examples/*.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.model import Disclosure
from generator.pipeline import Result, run
from generator.workbook.template import write_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("000", "002")


def example_data(name: str) -> dict:
    return json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def example_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("examples")
    paths = {}
    for name in EXAMPLES:
        path = folder / f"{name}.xlsx"
        write_workbook(path, example_data(name))
        paths[name] = path
    return paths


@pytest.fixture(scope="session")
def example_results(example_paths: dict[str, Path]) -> dict[str, Result]:
    return {name: run(path) for name, path in example_paths.items()}


@pytest.fixture(scope="session")
def disclosures(example_results: dict[str, Result]) -> dict[str, Disclosure]:
    out = {}
    for name, result in example_results.items():
        assert result.ok, [i.message for i in result.issues if i.is_error]
        assert result.disclosure is not None
        out[name] = result.disclosure
    return out

"""Official 科目 names by code: the year's catalog plus the workbook's 补充科目."""

from __future__ import annotations

from dataclasses import dataclass

from generator.catalog import ECON, FUNCTION, Catalog
from generator.inputs import Inputs


@dataclass(frozen=True)
class Names:
    functions: dict[str, str]
    econ: dict[str, str]
    # Codes named only by the workbook (not in the catalog): reported as warnings.
    custom: frozenset[tuple[str, str]]
    # The catalogs the names come from, as messages name them ("2027年科目代码表（财政局导入）").
    function_source: str = ""
    econ_source: str = ""

    @classmethod
    def build(cls, catalog: Catalog, inputs: Inputs) -> Names:
        functions = dict(catalog.functions)
        econ = dict(catalog.econ)
        custom = set()
        for extra in inputs.extra_codes:
            target = functions if extra.code_type == "功能分类" else econ
            if extra.code not in target:
                target[extra.code] = extra.name
                custom.add((extra.code_type, extra.code))
        return cls(
            functions,
            econ,
            frozenset(custom),
            catalog.origin(FUNCTION).text,
            catalog.origin(ECON).text,
        )

    def function(self, code: str) -> str:
        return self.functions.get(code, "")

    def econ_name(self, code: str) -> str:
        return self.econ.get(code, "")

    def class_label(self, code: str) -> str:
        """表1/表4 fixed-row label: code, one space, name (normalised for all 30 rows)."""
        return f"{code} {self.function(code)}"

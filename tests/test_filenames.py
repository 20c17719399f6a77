"""Output file names come from the workbook; they must never leave the output folder."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import output_paths
from generator.cli import main
from generator.filenames import (
    MAX_NAME_BYTES,
    UnsafePathError,
    collision_message,
    content_disposition,
    find_collisions,
    inside,
    safe_filename,
)
from generator.model import Disclosure
from generator.workbook.template import write_workbook
from tests.conftest import example_data

WINDOWS_FORBIDDEN = set('<>:"/\\|?*')


def assert_windows_safe(name: str) -> None:
    assert name and name == os.path.basename(name)
    assert not (set(name) & WINDOWS_FORBIDDEN), name
    assert all(unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"} for c in name), name
    assert not name.startswith(".") and not name.endswith((".", " ")), name
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("昌吉州政资局2023年部门预算公开", "昌吉州政资局2023年部门预算公开.pdf"),
        ("../../x/伪造局", "x_伪造局.pdf"),
        ("/etc/passwd", "etc_passwd.pdf"),
        (".隐藏单位", "隐藏单位.pdf"),
        ('a:b*c?d"e<f>g|h', "a_b_c_d_e_f_g_h.pdf"),
        ("甲\t乙\u2028丙\n丁", "甲 乙 丙 丁.pdf"),
        ("甲\u202e乙\u200f丙\u2066", "甲乙丙.pdf"),  # bidi overrides, marks, isolates dropped
        ("CON", "_CON.pdf"),
        ("nul.txt", "_nul.txt.pdf"),
        ("...", "未命名.pdf"),
        ("", "未命名.pdf"),
        ("单位. ", "单位.pdf"),
    ],
)
def test_safe_filename_examples(stem: str, expected: str) -> None:
    assert safe_filename(stem, ".pdf") == expected


def test_long_names_are_cut_with_a_stable_hash_and_stay_distinct() -> None:
    a = "新疆维吾尔自治区" * 20 + "甲局"
    b = "新疆维吾尔自治区" * 20 + "乙局"
    na, nb = safe_filename(a, ".docx"), safe_filename(b, ".docx")
    assert na != nb
    assert na == safe_filename(a, ".docx")  # stable
    assert len(na.encode("utf-8")) <= MAX_NAME_BYTES
    assert na.startswith("新疆维吾尔自治区") and na.endswith(".docx")
    # a 74-character Chinese unit name (222 bytes with the suffix) fits the 255-byte limit once cut
    long_unit = "局" * 74 + "2023年部门预算公开"
    assert len(safe_filename(long_unit, ".pdf").encode("utf-8")) <= MAX_NAME_BYTES


@pytest.mark.parametrize("suffix", ["/x", ".pdf/..", "..", ".p df", ".\u202epdf"])
def test_unsafe_suffix_is_a_programming_error(suffix: str) -> None:
    with pytest.raises(ValueError):
        safe_filename("a", suffix)


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "..\\x", "/etc/passwd", "a\x00b"])
def test_inside_refuses_anything_but_one_component(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsafePathError):
        inside(tmp_path, name)


def test_inside_names_a_symlink_itself_not_its_target(tmp_path: Path) -> None:
    # Issue 18 §7: the link is the directory entry that gets replaced; its target is never the path.
    out = tmp_path / "out"
    out.mkdir()
    (out / "报告.pdf").symlink_to(tmp_path / "elsewhere.pdf")
    assert inside(out, "报告.pdf") == out.resolve() / "报告.pdf"
    assert inside(out, "别的.pdf") == out.resolve() / "别的.pdf"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=st.text(min_size=0, max_size=300))
def test_every_written_path_stays_inside_the_output_folder(
    tmp_path: Path, disclosures: dict[str, Disclosure], unit: str
) -> None:
    out = tmp_path / "out" / "deeper"
    disclosure = disclosures["000"].model_copy(update={"file_stem": f"{unit}2023年部门预算公开"})
    paths = output_paths(disclosure, out, ("docx", "pdf", "json"))
    base = out.resolve()
    for path in paths.values():
        assert path.resolve().parent == base
        assert_windows_safe(path.name)
        path.write_bytes(b"x")  # the file system accepts the name
        path.unlink()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == []


@given(stem=st.text(max_size=400), suffix=st.sampled_from(["", ".pdf", ".docx", ".diff.xlsx"]))
def test_safe_filename_properties(stem: str, suffix: str) -> None:
    name = safe_filename(stem, suffix)
    assert_windows_safe(name)
    assert name.endswith(suffix)
    assert safe_filename(stem, suffix) == name


def test_build_with_a_hostile_unit_name_writes_inside_the_output_folder(tmp_path: Path, capsys) -> None:
    data = example_data("000")
    data["基本信息"]["单位全称"] = "../../x/伪造局"
    wb = tmp_path / "work" / "hostile.xlsx"
    wb.parent.mkdir()
    write_workbook(wb, data)
    out = tmp_path / "work" / "out"
    assert main(["check", str(wb)]) in {0, 1}
    checked = capsys.readouterr().out
    assert "生成的文件名：x_伪造局2023年部门预算公开.docx、x_伪造局2023年部门预算公开.pdf" in checked
    assert main(["build", str(wb), "-o", str(out), "--format", "docx"]) == 0
    assert main(["dump", str(wb), "-o", "-"]) == 0
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["work/hostile.xlsx", "work/out/x_伪造局2023年部门预算公开.docx"]


def test_dump_default_path_is_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = example_data("000")
    data["基本信息"]["单位全称"] = "/tmp/../伪造局"
    wb = tmp_path / "hostile.xlsx"
    write_workbook(wb, data)
    monkeypatch.chdir(tmp_path)
    assert main(["dump", str(wb)]) == 0
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["hostile.xlsx", "output/tmp_.._伪造局2023年部门预算公开.json"]


def test_content_disposition_is_rfc5987() -> None:
    header = content_disposition("昌吉州政资局2023年部门预算公开.pdf")
    assert header == (
        "attachment; filename=\"2023_.pdf\"; filename*=UTF-8''"
        "%E6%98%8C%E5%90%89%E5%B7%9E%E6%94%BF%E8%B5%84%E5%B1%802023%E5%B9%B4"
        "%E9%83%A8%E9%97%A8%E9%A2%84%E7%AE%97%E5%85%AC%E5%BC%80.pdf"
    )
    hostile = content_disposition('a"b\r\nSet-Cookie: x=1;/../c.pdf')
    assert "\r" not in hostile and "\n" not in hostile
    assert hostile.count('"') == 2
    assert "/" not in hostile.split("filename*=")[1]
    assert content_disposition("report.pdf", "inline") == (
        "inline; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )


def test_find_collisions_names_every_workbook() -> None:
    a, b, c, d = Path("甲.xlsx"), Path("乙.xlsx"), Path("丙.xlsx"), Path("丁.xlsx")
    mapping = {a: "某局2023年部门预算公开", b: "他局2023年部门预算公开", c: "某局2023年部门预算公开", d: "ABC"}
    mapping[Path("e.xlsx")] = "abc"  # Windows and macOS compare case-insensitively
    assert find_collisions(mapping) == [
        ("ABC", [d, Path("e.xlsx")]),
        ("某局2023年部门预算公开", [a, c]),
    ]
    assert find_collisions({a: "x", b: "y"}) == []
    message = collision_message("某局2023年部门预算公开.pdf", [a, c])
    assert "“甲.xlsx”、“丙.xlsx”" in message and "某局2023年部门预算公开.pdf" in message

"""Nothing is lost: a failed or interrupted build leaves earlier outputs byte-for-byte as they were.

One good build of example 002 (DOCX and PDF) is made per module; each test copies it into
its own output folder, then runs a build that fails in a chosen way (a renderer error
after writing part of its file, Ctrl-C, a full disk, a failing rename, a workbook with
errors) and checks the earlier files are unchanged, no temporary file is left behind and
the input workbook was never modified. Renderer failures are tried with the PDF rendered
in-process (DISCLOSURE_JOBS=1) and, where the machine allows it, in the forked PDF worker.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from generator import output
from generator.cli import main
from generator.render import docx as docx_render
from generator.render import pdf as pdf_render
from generator.workbook.template import write_workbook
from tests.conftest import example_data

JOBS_ENV = "DISCLOSURE_JOBS"


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("atomic-in") / "002.xlsx"
    write_workbook(path, example_data("002"))
    return path


@pytest.fixture(scope="module")
def changed(workbook: Path) -> Path:
    """The same department and year with one text changed: a build of it replaces the same files
    with different bytes (the renderers are deterministic, so an unchanged workbook would not)."""
    data = example_data("002")
    data["基本信息"]["机构设置"] = str(data["基本信息"]["机构设置"]) + "（已修订）"
    path = workbook.parent / "002-changed.xlsx"
    write_workbook(path, data)
    return path


@pytest.fixture(scope="module")
def good_build(workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("atomic-good")
    assert main(["build", str(workbook), "-o", str(out)]) == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".docx", ".pdf"]
    return out


@pytest.fixture(params=["sequential", "worker"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "sequential":
        monkeypatch.setenv(JOBS_ENV, "1")
    else:
        monkeypatch.delenv(JOBS_ENV, raising=False)
    return request.param


@pytest.fixture
def earlier(good_build: Path, tmp_path: Path) -> Path:
    """An output folder holding the outputs of the earlier good build."""
    out = tmp_path / "output"
    shutil.copytree(good_build, out)
    return out


def partial_then(exc: BaseException) -> Callable[..., None]:
    """A renderer that writes half a file to its target, then fails with `exc`."""

    def render(disclosure: object, target: Path, *args: object, **kwargs: object) -> None:
        Path(target).write_bytes(b"%PDF-1.7\n% half-written " + b"x" * 10000)
        raise exc

    return render


def assert_untouched(out: Path, before: dict[str, str]) -> None:
    assert digest(out) == before
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]


@pytest.mark.parametrize("renderer", ["pdf", "docx"])
def test_renderer_error_mid_write_keeps_earlier_outputs(
    renderer: str, changed: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch, capsys, mode: str
) -> None:
    before = digest(earlier)
    module, name = (pdf_render, "render_pdf") if renderer == "pdf" else (docx_render, "render_docx")
    monkeypatch.setattr(module, name, partial_then(RuntimeError("renderer crashed mid-way")))
    status = main(["build", str(changed), "-o", str(earlier)])
    assert status != 0
    assert "未写入任何文件" in capsys.readouterr().err
    assert_untouched(earlier, before)


@pytest.mark.parametrize("renderer", ["pdf", "docx"])
def test_ctrl_c_keeps_earlier_outputs(
    renderer: str, changed: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch, capsys, mode: str
) -> None:
    before = digest(earlier)
    module, name = (pdf_render, "render_pdf") if renderer == "pdf" else (docx_render, "render_docx")
    monkeypatch.setattr(module, name, partial_then(KeyboardInterrupt()))
    assert main(["build", str(changed), "-o", str(earlier)]) == 130
    assert "已中断" in capsys.readouterr().err
    assert_untouched(earlier, before)


def test_full_disk_while_writing(
    changed: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch, capsys, mode: str
) -> None:
    before = digest(earlier)
    monkeypatch.setattr(pdf_render, "render_pdf", partial_then(OSError(errno.ENOSPC, "No space left on device")))
    assert main(["build", str(changed), "-o", str(earlier)]) == 1
    captured = capsys.readouterr()
    assert "无法写入输出文件夹" in captured.err and "磁盘是否已满" in captured.err
    assert "Traceback" not in captured.out + captured.err
    assert_untouched(earlier, before)


@pytest.mark.parametrize("failing_call", [1, 2], ids=["first-rename", "second-rename"])
def test_failing_rename_keeps_earlier_outputs(
    failing_call: int, changed: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """The disk fills (or the folder goes read-only) while the finished files are published."""
    before = digest(earlier)
    real_replace = os.replace
    calls = []

    def replace(src: object, dst: object) -> None:
        calls.append(dst)
        if len(calls) == failing_call:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", replace)
    assert main(["build", str(changed), "-o", str(earlier)]) == 1
    captured = capsys.readouterr()
    assert "无法写入输出文件夹" in captured.err and "Traceback" not in captured.err
    assert_untouched(earlier, before)


def test_full_disk_when_flushing_second_file(
    changed: Path, earlier: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Delayed allocation: the disk is found full only when the second file is flushed."""
    before = digest(earlier)
    real_fsync = os.fsync
    calls = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(output.os, "fsync", fsync)
    assert main(["build", str(changed), "-o", str(earlier)]) == 1
    assert "磁盘是否已满" in capsys.readouterr().err
    assert_untouched(earlier, before)


def test_workbook_with_errors_writes_nothing(earlier: Path, tmp_path: Path, capsys) -> None:
    before = digest(earlier)
    data = example_data("002")
    data["支出明细"][0]["金额"] = "abc"
    bad = tmp_path / "bad.xlsx"
    write_workbook(bad, data)
    assert main(["build", str(bad), "-o", str(earlier)]) == 1
    captured = capsys.readouterr()
    assert "支出明细!I2" in captured.out and "没有生成任何文件" in captured.err
    assert_untouched(earlier, before)


def test_input_workbook_is_never_modified(workbook: Path, changed: Path, tmp_path: Path, capsys) -> None:
    before = workbook.read_bytes()
    stat = workbook.stat()
    assert main(["check", str(workbook)]) == 0
    assert main(["check", "--json", str(workbook), "--annotate", str(tmp_path / "a.xlsx")]) == 0
    assert main(["dump", str(workbook), "-o", str(tmp_path / "d.json")]) == 0
    assert main(["build", str(workbook), "-o", str(tmp_path / "out"), "--format", "docx"]) == 0
    assert workbook.read_bytes() == before
    assert workbook.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in workbook.parent.iterdir()) == sorted([workbook.name, changed.name])


def test_rebuild_replaces_outputs_completely(workbook: Path, earlier: Path, tmp_path: Path, capsys) -> None:
    """A good build after a failed one publishes whole files (valid DOCX and PDF)."""
    assert main(["build", str(workbook), "-o", str(earlier), "--format", "docx"]) == 0
    docx = next(earlier.glob("*.docx"))
    import docx as python_docx

    assert python_docx.Document(str(docx)).paragraphs
    assert next(earlier.glob("*.pdf")).read_bytes().startswith(b"%PDF")
    assert not [p for p in earlier.iterdir() if p.name.endswith(".tmp")]
    # and an earlier input of the same name in the output folder is not confused with it
    assert openpyxl.load_workbook(workbook).sheetnames


# --- an output name that is already a symbolic link (issue 18 §7a) ---------------------------------


def test_publish_replaces_a_symlink_itself_and_restores_it_on_failure(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    target, link = elsewhere / "target.html", out / "a.pdf"
    target.write_text("不属于本工具的文件", encoding="utf-8")
    link.symlink_to(target)
    dangling = out / "b.pdf"
    dangling.symlink_to(elsewhere / "missing.pdf")
    # A failed publish (second rename fails) puts both links back as links.
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):  # type: ignore[no-untyped-def]
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, "simulated")
        return real_replace(src, dst)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "replace", failing_replace)
        with pytest.raises(OSError), output.atomic_paths({"a": link, "b": dangling}) as temps:
            temps["a"].write_bytes(b"new a")
            temps["b"].write_bytes(b"new b")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert dangling.is_symlink() and not dangling.exists()
    assert target.read_text(encoding="utf-8") == "不属于本工具的文件"
    # A good publish replaces the links by the new files; the link's target is untouched.
    with output.atomic_paths({"a": link, "b": dangling}) as temps:
        temps["a"].write_bytes(b"new a")
        temps["b"].write_bytes(b"new b")
    assert not link.is_symlink() and link.read_bytes() == b"new a"
    assert not dangling.is_symlink() and dangling.read_bytes() == b"new b"
    assert target.read_text(encoding="utf-8") == "不属于本工具的文件"
    assert not (elsewhere / "missing.pdf").exists()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["target.html"]
    assert not (out / output.TEMP_DIR).exists()


@pytest.mark.parametrize("kind", ["to-a-file-elsewhere", "dangling"])
def test_build_over_a_symlinked_output_replaces_the_link(workbook: Path, tmp_path: Path, kind: str, capsys) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    name = "昌吉州工业和信息化局2023年部门预算公开.html"
    target = elsewhere / "target.html"
    if kind == "dangling":
        (out / name).symlink_to(target)
    else:
        target.write_text("不属于本工具的文件", encoding="utf-8")
        (out / name).symlink_to(target)
    assert main(["build", str(workbook), "-o", str(out), "--format", "html"]) == 0
    assert "内部错误" not in capsys.readouterr().err
    written = out / name
    assert not written.is_symlink() and "昌吉州工业和信息化局" in written.read_text(encoding="utf-8")
    if kind == "dangling":
        assert not target.exists()
    else:
        assert target.read_text(encoding="utf-8") == "不属于本工具的文件"
    assert sorted(p.name for p in out.iterdir()) == [name]

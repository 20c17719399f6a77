"""Output and download file names: the one place a name from a workbook becomes a path.

Every file the tool writes for a workbook (DOCX, PDF, JSON) and every download the web
application offers is named by `safe_filename` and placed by `inside`, so a unit name
such as ``../../x/伪造局``, ``/etc/passwd``, ``.隐藏`` or one holding ``: * ? " < > |``,
tabs, line separators or right-to-left overrides can never write outside the output
folder, create sub-folders or hidden files, or produce a name Windows cannot open.

- `safe_filename(stem, suffix)`: one path component, no separators, no control or bidi
  characters, no Windows-reserved characters or device names, no leading dot, no
  trailing dot or space, at most `MAX_NAME_BYTES` bytes of UTF-8 (a cut name ends with a
  short stable hash of the full stem, so two long names that share a prefix still differ).
- `inside(folder, name)`: the path of `name` in the resolved `folder`, verified to be a
  direct child of it. The name itself is not followed: an existing symbolic link there is
  replaced by the new file (`generator.output`), never written through.
- `content_disposition(filename)`: an RFC 6266 header value with an ASCII fallback and
  the RFC 5987 ``filename*=UTF-8''…`` form.
- `find_collisions(mapping)`: in a batch, the output names that two or more workbooks
  would share (compared as Windows and macOS compare names: case-insensitively).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote

# 255 bytes is the limit of ext4, NTFS (in UTF-16 units, more generous for CJK) and most
# others. The temp and backup names of generator/output.py add at most 40 bytes.
MAX_NAME_BYTES = 200
HASH_CHARS = 8
FALLBACK_STEM = "未命名"

# Characters Windows refuses in a file name, plus both separators.
_WINDOWS_FORBIDDEN = frozenset('<>:"/\\|?*')
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
    | {f"COM{c}" for c in "¹²³"}
    | {f"LPT{c}" for c in "¹²³"}
)
_SUFFIX_RE = re.compile(r"(?:\.[A-Za-z0-9]{1,10}){0,2}")
_RUNS_RE = re.compile(r" {2,}|_{2,}")


class UnsafePathError(ValueError):
    """A name that would leave its folder (separator, `..`, absolute path, symlink out)."""


def is_unsafe_char(ch: str) -> bool:
    """True for characters that must never appear in published text or a file name.

    Control characters (C0, C1, DEL), format characters (bidi overrides and isolates,
    zero-width joiners, the BOM, soft hyphen …), line and paragraph separators,
    surrogates, private-use and unassigned code points. Tab and newline are not
    allowed here either; callers that accept them in text check for them first.
    """
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _clean_char(ch: str) -> str:
    if ch in "\t\n\r\v\f" or unicodedata.category(ch) in {"Zs", "Zl", "Zp"}:
        return " "
    if is_unsafe_char(ch):
        return ""
    if ch in _WINDOWS_FORBIDDEN:
        return "_"
    return ch


def _clean_stem(stem: str) -> str:
    text = "".join(_clean_char(ch) for ch in unicodedata.normalize("NFC", stem))
    text = _RUNS_RE.sub(lambda m: m.group()[0], text)
    # No hidden files, no names Windows silently changes (trailing dot or space).
    text = text.strip(" ._")
    if text.split(".")[0].rstrip(" ").upper() in _WINDOWS_DEVICES:
        text = f"_{text}"
    return text or FALLBACK_STEM


def _cut_to_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


def safe_filename(stem: str, suffix: str) -> str:
    """A single, Windows-safe path component for `stem` + `suffix`, at most `MAX_NAME_BYTES` bytes.

    `suffix` is chosen by the program (".docx", ".pdf", ".json", ".diff.xlsx") and must be
    empty or dots followed by ASCII letters and digits. The same stem always gives the
    same name; a stem that is cut keeps its start and gets ``-`` and 8 hex digits of the
    SHA-256 of the full stem appended.
    """
    if not _SUFFIX_RE.fullmatch(suffix):
        raise ValueError(f"unsafe suffix {suffix!r}")
    clean = _clean_stem(stem)
    budget = MAX_NAME_BYTES - len(suffix.encode("ascii"))
    if len(clean.encode("utf-8")) > budget:
        digest = hashlib.sha256(unicodedata.normalize("NFC", stem).encode("utf-8")).hexdigest()[:HASH_CHARS]
        head = _cut_to_bytes(clean, budget - HASH_CHARS - 1).rstrip(" ._")
        clean = f"{head}-{digest}"
    return clean + suffix


def inside(folder: Path, name: str) -> Path:
    """`folder / name` (the folder resolved), after verifying it is a direct child of `folder`.

    Raises `UnsafePathError` for anything but one plain component (separators, ``.``,
    ``..``, NUL, an absolute path). The last component is deliberately not resolved: a
    symbolic link of that name is a directory entry like any other, and writing through
    `generator.output` replaces the entry (the link) and never touches what it points to.
    """
    if (
        not name
        or name in {".", ".."}
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or Path(name).is_absolute()
        or Path(name).name != name
    ):
        raise UnsafePathError(f"not a single file name: {name!r}")
    base = Path(folder).resolve()
    path = base / name
    if path.parent != base:  # pragma: no cover - excluded by the checks above
        raise UnsafePathError(f"{name!r} is not a file directly inside {base}")
    return path


def _ascii_fallback(filename: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKD", filename):
        if ch.isascii() and ch.isprintable() and ch not in '"\\%;':
            out.append(ch)
        elif not unicodedata.combining(ch):
            out.append("_")
    text = re.sub(r"_+", "_", "".join(out)).strip(" ._")
    suffix = Path(filename).suffix
    if not text or text == suffix.strip("."):
        text = f"download{suffix}" if suffix.isascii() else "download"
    return text


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """The ``Content-Disposition`` value for a download named `filename` (RFC 6266 / RFC 5987).

    `filename` is passed through `safe_filename` again (suffix kept), so a header can never
    carry a separator, quote, control character or line break.
    """
    if disposition not in {"attachment", "inline"}:
        raise ValueError(f"unknown disposition {disposition!r}")
    path = Path(filename)
    suffix = path.suffix if _SUFFIX_RE.fullmatch(path.suffix) else ""
    stem = filename[: len(filename) - len(suffix)] if suffix else filename
    name = safe_filename(stem, suffix)
    # RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
    encoded = quote(name, safe="!#$&+-.^_`|~", encoding="utf-8")
    return f"{disposition}; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"


def collision_key(name: str) -> str:
    """How file systems used by officers compare names: NFC, case-insensitive."""
    return unicodedata.normalize("NFC", name).casefold()


def find_collisions(mapping: Mapping[Path, str] | Iterable[tuple[Path, str]]) -> list[tuple[str, list[Path]]]:
    """Output names shared by two or more workbooks: ``[(name, [workbook, …]), …]``.

    `mapping` maps each workbook to the output file name (or stem) it would write. The
    result is sorted by name, each list of workbooks in input order; an empty list means
    every workbook writes its own files.
    """
    items = mapping.items() if isinstance(mapping, Mapping) else mapping
    groups: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for workbook, name in items:
        groups[collision_key(name)].append((name, workbook))
    out = [(members[0][0], [wb for _, wb in members]) for members in groups.values() if len(members) > 1]
    return sorted(out, key=lambda item: item[0])


def collision_message(name: str, workbooks: list[Path]) -> str:
    """The Chinese error for one collision, naming every workbook involved."""
    names = "、".join(f"“{wb.name}”" for wb in workbooks)
    return (
        f"{names}生成的文件名相同（{name}），后生成的会覆盖先生成的。"
        "请核对这些工作簿“基本信息”表中的单位全称和预算年度，每个单位只保留一个工作簿，或分别放在不同的文件夹中生成。"
    )

"""Where the user is: at the command line or in the web application.

Every text that tells a user what to do next (check messages, the workbook's 填表说明 and sheet
notes, `prepare`'s output) is written once, naming the CLI command (`运行 disclosure prepare`).
`speak(text, channel)` says the same thing in the user's channel: for the web, each command
becomes the button that does the same step, and CLI-only remarks (options, "运行前请保存并关闭
本文件") are dropped. A command with no web counterpart (`dump`) makes its whole line empty.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

    from generator.issues import Issue


class Channel(str, Enum):
    CLI = "cli"
    WEB = "web"


# command → (what to do, the button's name) in the web application; None: no such step on the web
WEB_STEPS: dict[str, tuple[str, str] | None] = {
    "new": ("在“本部门”页面点击“下载空白工作簿”", "“下载空白工作簿”"),
    "prepare": ("在网页的版本页面点击“补全所需的行”", "“补全所需的行”"),
    "check": ("在“本部门”页面点击“上传并检查”", "“上传并检查”"),
    "build": ("在版本页面点击“生成 DOCX 和 PDF”", "“生成 DOCX 和 PDF”"),
    "rollover": ("在上一年度版本页面点击“由本版本生成下一年工作簿”", "“由本版本生成下一年工作簿”"),
    "diff": ("在“本部门”页面选择两个版本点击“比较”", "“比较”"),
    "dump": None,
}

_COMMAND = re.compile(
    r"\s?(?P<run>运行\s*)?“?(?:disclosure\s+)(?P<cmd>[a-z]+)”?(?:\s*工作簿\.xlsx)?\s?"
    r"|(?P<run2>运行\s*)(?P<cmd2>prepare|check|build)\b\s?"
)
_CLI_ONLY = re.compile(r"（(?:运行前|--)[^）]*）")


def speak(text: str, channel: Channel) -> str:
    """`text` as the user of `channel` should read it ("" when its step does not exist there)."""
    if channel is Channel.CLI or not text or ("disclosure" not in text and "运行" not in text and "--" not in text):
        return text
    dropped = False

    def web(m: re.Match[str]) -> str:
        nonlocal dropped
        cmd = m["cmd"] or m["cmd2"]
        step = WEB_STEPS.get(cmd)
        if step is None:
            if cmd in WEB_STEPS:
                dropped = True
            return m[0]
        return step[0] if (m["run"] or m["run2"]) else step[1]

    out = _CLI_ONLY.sub("", _COMMAND.sub(web, text))
    return "" if dropped else out


def for_channel(issues: list[Issue], channel: Channel) -> list[Issue]:
    """The same issues, their messages said in `channel`."""
    if channel is Channel.CLI:
        return issues
    return [i.model_copy(update={"message": speak(i.message, channel)}) for i in issues]


def speak_workbook(wb: Workbook, channel: Channel) -> None:
    """Every instruction in a workbook (cells, header comments, validation messages) said in `channel`."""
    if channel is Channel.CLI:
        return
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and not cell.value.startswith("="):
                    said = speak(cell.value, channel)
                    if said != cell.value:
                        cell.value = said or None
                if cell.comment is not None:
                    said = speak(cell.comment.text, channel)
                    if said != cell.comment.text:
                        cell.comment.text = said
        for dv in ws.data_validations.dataValidation:
            for attr in ("error", "prompt"):
                value = getattr(dv, attr)
                if isinstance(value, str):
                    setattr(dv, attr, speak(value, channel))

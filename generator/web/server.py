"""`disclosure serve`: run the application under uvicorn (one process; builds go to the worker pool)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from pathlib import Path

from generator.lifecycle import Terminated


def private_files(tmp_dir: Path) -> None:
    """Everything this service writes is for its own user alone, and temporary files stay in the data folder.

    umask 077 makes every new file 0600 and folder 0700 (SQLite's, the store's, LibreOffice's);
    TMPDIR (inherited by the worker processes, started after this) puts the DOCX 目录 pass's and
    the redline's temporary copies under `data/tmp` instead of the shared /tmp."""
    os.umask(0o077)
    os.environ["TMPDIR"] = str(tmp_dir)
    tempfile.tempdir = str(tmp_dir)


def serve(host: str, port: int, data: Path | None) -> int:
    import uvicorn

    from generator.web.app import create_app
    from generator.web.settings import Settings

    settings = Settings.from_env(data)
    settings.prepare()
    private_files(settings.tmp_dir)
    if not settings.public_url:
        # links given to people (invitations) are never built from a request's Host header
        settings.public_url = f"http://{host}:{port}"
    app = create_app(settings)
    core = app.state.core
    password = core.first_admin()
    # start the warm build workers now, so that the first build does not wait for WeasyPrint and the fonts
    threading.Thread(target=core.queue.warm, name="warm-build-pool", daemon=True).start()
    print(f"部门预算公开生成系统已启动：http://{host}:{port}/", flush=True)
    print(f"数据文件夹：{settings.data_dir}", flush=True)
    print(f"对外网址（邀请链接使用）：{settings.public_base()}", flush=True)
    if password:
        print(f"首个管理员账号：admin  一次性密码：{password}（首次登录后须修改，只显示这一次）", flush=True)
    print("按 Ctrl+C 停止。", flush=True)
    # uvicorn shuts down cleanly on SIGTERM/Ctrl+C and then passes the signal on: a requested stop, not a failure
    with contextlib.suppress(Terminated, KeyboardInterrupt):
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)
    print("已停止。", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(serve("127.0.0.1", 8000, None))

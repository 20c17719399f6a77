"""`disclosure serve`: run the application under uvicorn (one process; builds go to the worker pool)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path


def serve(host: str, port: int, data: Path | None) -> int:
    import uvicorn

    from generator.web.app import create_app
    from generator.web.settings import Settings

    settings = Settings.from_env(data)
    app = create_app(settings)
    core = app.state.core
    password = core.first_admin()
    # start the warm build workers now, so that the first build does not wait for WeasyPrint and the fonts
    threading.Thread(target=core.queue.warm, name="warm-build-pool", daemon=True).start()
    print(f"部门预算公开生成系统已启动：http://{host}:{port}/", flush=True)
    print(f"数据文件夹：{settings.data_dir}", flush=True)
    if password:
        print(f"首个管理员账号：admin  一次性密码：{password}（首次登录后须修改，只显示这一次）", flush=True)
    print("按 Ctrl+C 停止。", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(serve("127.0.0.1", 8000, None))

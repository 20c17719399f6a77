"""The job interface: one way to submit work on uploaded files and to read its progress and result.

The web application submits a `JobSpec` (check, prepare, diff, next-year or build; its input files
as SHA-256 of the content store) to an `Engine` and reads a `JobView` (state, stage, place in the
queue, attempts, result or Chinese error) back from the `job` table, whichever engine runs it:

- `embedded.EmbeddedEngine` (the default, `disclosure serve` on one machine): jobs run in this
  process's threads, builds on the warm `generator.workers.WorkerPool`, checks in isolated
  processes; a fair scheduler (`fair.FairQueue`) orders them.
- `distributed.ProcrastinateEngine` (`DISCLOSURE_ENGINE=procrastinate`, PostgreSQL): jobs are
  procrastinate jobs in the application's PostgreSQL database, run by `disclosure worker`
  processes on any machine with the same configuration.

Both run a job through the same `runner.Runner`, which calls the ordinary pipeline; neither holds
a business rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

KINDS = ("check", "prepare", "diff", "revisions", "next-year", "final-from-budget", "build")
LANE = {
    "check": "check",
    "prepare": "check",
    "diff": "check",
    "revisions": "check",
    "next-year": "check",
    "final-from-budget": "check",
    "build": "build",
}

KIND_NAMES = {
    "check": "检查",
    "prepare": "补全所需的行",
    "diff": "比较版本",
    "revisions": "修订说明和修订稿",
    "next-year": "下一年度工作簿",
    "final-from-budget": "由预算生成决算工作簿",
    "build": "生成",
}

PRIORITY_WAITING = 100  # someone waits at the page: an upload's check, a department's own build
PRIORITY_BULK = 0  # the bureau's 全部生成


@dataclass(frozen=True)
class JobSpec:
    kind: str
    inputs: dict[str, str]  # name -> SHA-256 of the content store
    department_id: int | None = None
    build_id: int | None = None
    priority: int = PRIORITY_WAITING
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {"kind": self.kind, "inputs": self.inputs, "params": self.params}, ensure_ascii=False, sort_keys=True
        )


@dataclass
class JobView:
    id: int
    kind: str
    state: str
    stage: str | None
    attempts: int
    max_attempts: int
    note: str | None
    error: str | None
    result: dict[str, Any] | None
    worker: str | None
    position: int | None = None  # 1 = next to start; None when not waiting
    waiting: int | None = None  # jobs waiting in its lane

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


@dataclass
class WorkerInfo:
    name: str
    state: str  # Chinese, for the admin page
    last_seen: Any = None
    jobs: int = 0


@dataclass
class Overview:
    engine: str
    workers: list[WorkerInfo]
    queued: dict[str, int]  # lane -> jobs waiting
    running: int
    failed: list[Any]  # recent failed `Job` rows
    retried: list[Any]  # recent jobs that needed more than one attempt

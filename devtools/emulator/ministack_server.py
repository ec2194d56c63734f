"""Run MiniStack with devtools' persistence: all-or-nothing saves, a write journal, 600 files."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from devtools.emulator import control
from devtools.emulator.journal import JournalMiddleware
from devtools.emulator.state_files import StateSave

GetState = Callable[[], Any]
# MiniStack's load and save run inside the ASGI lifespan, which hypercorn bounds at 60 s;
# a large state needs longer, and `down` applies its own size-scaled bound instead
LIFESPAN_SECONDS = 24 * 3600.0


class Saver:
    """Replaces MiniStack's per-service save with one all-or-nothing save of every service.

    The driver's checkpoints are copied first: the tables saved after them hold at least what
    they say is processed, so after a crash the driver resumes from the copy and re-delivers
    (idempotently) instead of skipping what the rolled-back tables lost.
    """

    def __init__(
        self,
        control_dir: Path,
        state_dir: Path,
        checkpoints: Path | None,
        journal: IO[str],
        encode: Callable[[str, Any], bytes],
        save_all: Callable[[Mapping[str, GetState]], None],
    ) -> None:
        self.control_dir = control_dir
        self.state_dir = state_dir
        self.checkpoints = checkpoints
        self.journal = journal
        self.encode = encode
        self.original_save_all = save_all
        self.current: StateSave | None = None
        self.total = 0
        self.done = 0
        self.bytes_done = 0
        self.service = ""

    def save_all(self, services: Mapping[str, GetState]) -> None:
        save = self.current = StateSave(self.control_dir)
        self.total, self.done, self.bytes_done = len(services), 0, 0
        self._progress("driver checkpoints", finished=False)
        copy = self.control_dir / control.CHECKPOINT_COPY
        try:
            if self.checkpoints is None:
                raise FileNotFoundError
            save.write(copy, self.checkpoints.read_bytes())
        except FileNotFoundError:
            save.remove(copy)
        tracked = {name: self._tracked(name, get) for name, get in services.items()}
        try:
            self.original_save_all(tracked)
            if save.commit():
                self.journal.truncate(0)
                self.journal.flush()
                control.write_json(
                    self.control_dir / control.RUN_STATE,
                    {"state": "clean", "pid": os.getpid(), "savedAt": time.time()},
                )
        finally:
            self.current = None
            self._progress("", finished=True)

    def save_state(self, service: str, data: Any) -> None:
        """MiniStack's `save_state` contract; inside `save_all` only stages the file."""
        target = self.state_dir / f"{service}.json"
        save = self.current
        standalone = save is None
        if save is None:
            save = StateSave(self.control_dir)
        try:
            body = self.encode(service, data)
            base = self.bytes_done
            save.write(target, body, on_bytes=lambda n: self._bytes(base + n))
            self.bytes_done = base + len(body)
        except BaseException:
            save.failed.append(service)
            raise
        if standalone:
            save.commit()

    def _tracked(self, name: str, get_state: GetState) -> GetState:
        def get() -> Any:
            self.service = name
            self._progress(name, finished=False)
            try:
                return get_state()
            finally:
                self.done += 1

        return get

    def _bytes(self, written: int) -> None:
        self.bytes_done = written
        self._progress(self.service, finished=False)

    def _progress(self, service: str, *, finished: bool) -> None:
        control.write_json(
            self.control_dir / control.PROGRESS,
            {
                "service": service,
                "done": self.done,
                "total": self.total,
                "bytes": self.bytes_done,
                "finished": finished,
            },
            durable=False,
        )


def main() -> None:
    os.umask(0o077)  # every file the emulator and its workers create is private
    control_dir = Path(os.environ[control.CONTROL_DIR_ENV])
    checkpoints = os.environ.get(control.CHECKPOINTS_ENV)

    import hypercorn.config
    from ministack import app as ministack_app
    from ministack.core import persistence

    hypercorn.config.Config.startup_timeout = LIFESPAN_SECONDS
    hypercorn.config.Config.shutdown_timeout = LIFESPAN_SECONDS

    def encode(service: str, data: Any) -> bytes:
        # the same document MiniStack writes, encoded in one piece so it can be written in
        # chunks that `down` sees grow, then fsynced
        wrapped = {
            "__ministack_format__": persistence._state_format_version(service),
            "payload": data,
        }
        return json.dumps(wrapped, default=persistence._json_default).encode()

    journal = (control_dir / control.JOURNAL).open("a", encoding="utf-8")
    saver = Saver(
        control_dir,
        Path(persistence.STATE_DIR),
        Path(checkpoints) if checkpoints else None,
        journal,
        encode,
        persistence.save_all,
    )
    persistence.save_state = saver.save_state
    ministack_app.save_all = saver.save_all
    ministack_app.app = JournalMiddleware(ministack_app.app, journal)
    control.write_json(
        control_dir / control.RUN_STATE,
        {"state": "running", "pid": os.getpid(), "startedAt": time.time()},
    )
    ministack_app.main()


if __name__ == "__main__":
    main()

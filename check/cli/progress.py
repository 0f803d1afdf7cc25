"""Feedback for long runs: a progress bar on a terminal, plain lines when not.

    with Progress(total=330, label="verify") as bar:
        bar.step("kl_div grad[target]")        # one unit of work begins

On a terminal (stderr is a TTY) one line is redrawn in place: ``verify [####......] 41/330
kl_div grad[target]``.  Anywhere else (CI logs, pipes, files) nothing is redrawn and nothing is
coloured: each step is one line ``verify 41/330 kl_div grad[target]`` — or nothing at all with
``quiet=True`` — so a log reads top to bottom.  Results go to stdout; progress always to stderr.
"""
from __future__ import annotations

import shutil
import sys
import time


class Progress:
    def __init__(self, total: int, label: str, *, stream=None, quiet: bool = False, tty: bool | None = None):
        self.total, self.label, self.done = max(total, 0), label, 0
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = (getattr(self.stream, "isatty", lambda: False)() if tty is None else tty)
        self.start = time.monotonic()
        self._drawn = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.finish()
        return False

    def step(self, what: str) -> None:
        """Work on ``what`` begins (the count shown is of finished steps + 1)."""
        self.done += 1
        if self.quiet:
            return
        count = f"{self.done}/{self.total}"
        if not self.tty:
            print(f"{self.label} {count} {what}", file=self.stream, flush=True)
            return
        width = shutil.get_terminal_size((80, 20)).columns
        cells = 20
        filled = cells * (self.done - 1) // self.total if self.total else cells
        line = f"{self.label} [{'#' * filled}{'.' * (cells - filled)}] {count} {what}"
        print("\r" + line[:width - 1].ljust(width - 1), end="", file=self.stream, flush=True)
        self._drawn = True

    def note(self, text: str) -> None:
        """A line that stays (a failure, say) above the bar."""
        if self._drawn:
            print("\r" + " " * (shutil.get_terminal_size((80, 20)).columns - 1) + "\r", end="", file=self.stream)
            self._drawn = False
        print(text, file=self.stream, flush=True)

    def finish(self) -> None:
        if self._drawn:
            width = shutil.get_terminal_size((80, 20)).columns
            print("\r" + " " * (width - 1) + "\r", end="", file=self.stream, flush=True)
            self._drawn = False

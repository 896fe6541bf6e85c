"""Progress lines for src/models/ (childLines.ts), which reads them from the tool's stdout.

Each line is JSON: {"step", "model", "done", "total"}; total 0: a step without a byte count.
"""

import json
import os
import sys

# Set by keep_stdout_for_progress: stdout as it was given, while fd 1 itself goes to stderr.
_progress = sys.stdout


def keep_stdout_for_progress() -> None:
    """optimum, transformers and their child processes print to fd 1; the progress lines keep it to themselves."""
    global _progress
    _progress = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)


def report(step: str, model: str, done: int = 0, total: int = 0) -> None:
    print(json.dumps({"step": step, "model": model, "done": done, "total": total}), file=_progress, flush=True)

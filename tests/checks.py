"""Helpers of the test scripts that make many checks and report each one (tests/install,
tests/bundles): check() prints "ok" or "FAIL" and the check's description and counts the
failures, run() runs a command and shows its output only when it fails, summary() prints the
count and returns the script's exit status (0 when nothing failed). Not thread-safe."""

from __future__ import annotations

import subprocess
import sys

failures = 0


def check(ok: bool, what: str) -> None:
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += 0 if ok else 1


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run with text output captured; on a non-zero exit the command and its output
    go to stderr."""
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        print(f"$ {' '.join(args)}\n{result.stdout}{result.stderr}", file=sys.stderr)
    return result


def summary() -> int:
    print(f"{failures} failures")
    return 1 if failures else 0

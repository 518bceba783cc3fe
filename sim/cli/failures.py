"""How ``parley`` ends when the operating system says no: one line naming the path and what to
do, exit status 2 (130 for an interrupt), never a traceback."""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, NoReturn

import click

from sim import interrupts
from sim.cli.common import fail
from sim.core.newton_kernel import engine

ADVICE: dict[int, str] = {
    errno.ENOSPC: "the disk is full: free some space, then run the same command again "
    "(a sweep keeps its finished chunks: add --resume)",
    errno.EDQUOT: "the disk quota is used up: free some space, then run the same command again "
    "(a sweep keeps its finished chunks: add --resume)",
    errno.EACCES: "no permission: choose a folder you can write to (--out) or fix its permissions",
    errno.EPERM: "not permitted: choose a folder you can write to (--out) or fix its permissions",
    errno.EROFS: "the file system is read-only: choose another folder (--out)",
    errno.ENOTDIR: "a part of this path is a file, not a folder: choose another path",
    errno.EISDIR: "this is a folder, not a file: choose another path",
    errno.EEXIST: "something is already there: choose another path",
    errno.ENAMETOOLONG: "the name is too long for the file system: choose a shorter path",
    errno.ENOENT: "no such file or folder: check the path",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) or use fewer --workers",
    errno.ENOMEM: "out of memory: use a smaller --chunk-size or fewer --workers",
    errno.ECONNREFUSED: "nothing answers at that address: start the scheduler, or check "
    "--scheduler",
    errno.EIO: "the disk reported an input/output error: check the device",
}


def os_error_message(error: OSError) -> str:
    """``parley: PATH: what went wrong; what to do`` for an error from the operating system."""
    where = error.filename if error.filename is not None else None
    what = error.strerror or type(error).__name__
    advice = ADVICE.get(error.errno or 0, "check the path and try again")
    head = f"parley: {os.fsdecode(where)}: {what}" if where is not None else f"parley: {what}"
    return f"{head}; {advice}"


def interrupted() -> NoReturn:
    """Ctrl-C: say so in one line and exit with status 130 (128 + SIGINT), as shells do."""
    interrupts.tell()
    sys.exit(interrupts.EXIT_STATUS)


class ParleyGroup(click.Group):
    """The command group: turns OS errors and interrupts into one-line messages."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line; see :meth:`invoke` for what is caught."""
        arguments = args[0] if args else kwargs.get("args")
        arguments = sys.argv[1:] if arguments is None else arguments
        if any("\0" in str(argument) for argument in arguments):
            fail("parley: an argument contains a null byte; remove it")
        try:  # the solver's engine, from the environment: checked before any work starts
            engine()
        except ValueError as error:
            fail(f"parley: {error}")
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        """Invoke the command, reporting OS errors (exit 2) and Ctrl-C (exit 130) in one line."""
        try:
            with interrupts.raising():
                return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()
        except MemoryError:
            fail("parley: out of memory; use a smaller --chunk-size, fewer --workers or runs")
        except OSError as error:
            fail(os_error_message(error))

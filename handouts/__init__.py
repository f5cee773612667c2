"""handouts: printed aftercare sheets for patients, in their language."""

__version__ = "0.1.0"


def _stop_quietly_on_ctrl_c() -> None:
    """Ctrl-C before the command line is ready (while Python imports it): exit 130, no traceback.

    Only for the ``handouts`` command and ``python -m handouts``; the command line puts
    Python's own handler back as soon as it runs (``cliutil.HandoutsGroup``).
    """
    import contextlib
    import os
    import signal
    import sys

    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if program not in ("-m", "handouts", "handouts.exe", "handouts-script.py"):
        return

    def stop(signum: int, frame: object) -> None:
        os.write(2, b"Stopped (Ctrl-C): nothing was written.\n")
        os._exit(130)

    with contextlib.suppress(ValueError):  # ValueError: not the main thread
        signal.signal(signal.SIGINT, stop)


_stop_quietly_on_ctrl_c()

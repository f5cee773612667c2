"""The ``handouts`` command and ``python -m handouts``: the command line, imported only when it runs.

The ``handouts`` script imports this module, not :mod:`handouts.cli`: each render worker, started
by multiprocessing's fork server, imports the script of the process that started it (its
"main module") before it does any work, and the command line (Click and the rest) would cost it
about 60 ms on a one-sheet build's critical path. Here it costs nothing.
"""


def main() -> None:
    from handouts.cli import main as command_line

    command_line()


if __name__ == "__main__":  # not when a worker process imports it (multiprocessing, spawn)
    main()

"""`python tests/paused_import.py FILE --as USER …`: the import command, stopped inside its
open transaction after the number of rows in SIPANTAU_TEST_PAUSE_IMPORT_AFTER (it prints
PAUSE_MARKER, then sleeps), so test_ingest can kill it there. The pause wraps the row
writers of sipantau.ingest.store from outside: production code holds no test hook."""

from __future__ import annotations

import os
import sys
import time

from sipantau import cli_import
from sipantau.ingest import store

PAUSE_ENV = "SIPANTAU_TEST_PAUSE_IMPORT_AFTER"
PAUSE_MARKER = "SIPANTAU_IMPORT_PAUSED"


def pausing(write, after: int):
    written = 0

    def write_then_pause(*args) -> None:
        nonlocal written
        write(*args)
        written += 1
        if written == after:
            print(PAUSE_MARKER, file=sys.stderr, flush=True)
            time.sleep(600)

    return write_then_pause


if __name__ == "__main__":
    after = int(os.environ[PAUSE_ENV])
    store.WRITERS = {kind: pausing(write, after) for kind, write in store.WRITERS.items()}
    cli_import.app()

"""A real worker for the job tests, in a process of its own: `ems worker`'s consumer on the
test's database and queue, with the test meters' calculation (slow when asked).

    python -m tests.jobs.worker_process CONFIG_JSON DELAY_SECONDS
"""

from __future__ import annotations

import json
import logging
import sys

from ems import create_app
from ems.jobs import queue
from tests.jobs import world


def main() -> None:
    config = json.loads(sys.argv[1])
    delay_seconds = float(sys.argv[2])
    logging.basicConfig(level=logging.INFO, format="worker %(levelname)s %(name)s: %(message)s")
    app = create_app(config)
    world.register(delay_seconds=delay_seconds)
    queue.run_worker(app, workers=1)


if __name__ == "__main__":
    main()

"""A web server for the deployment test, in a process of its own: gunicorn serving the app on
the test's database and queue, with the test meters' calculation known.

    EMS_TEST_APP_CONFIG=CONFIG_JSON python -m gunicorn 'tests.jobs.web_process:serve()'
"""

from __future__ import annotations

import json
import os

from flask import Flask

from ems import create_app
from tests.jobs import world


def serve() -> Flask:
    """The application gunicorn serves."""
    app = create_app(json.loads(os.environ["EMS_TEST_APP_CONFIG"]))
    world.register()
    return app

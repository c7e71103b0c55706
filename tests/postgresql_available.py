"""Exit 0 if the PostgreSQL server at the URL given as argument answers (used by `make test`)."""

import sys

import sqlalchemy as sa

try:
    engine = sa.create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
    with engine.connect():
        pass
except sa.exc.OperationalError:
    sys.exit(1)

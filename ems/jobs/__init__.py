"""Background jobs: long work (a year's recalculation) run by `ems worker` off a queue, with
its progress and outcome kept in the database."""

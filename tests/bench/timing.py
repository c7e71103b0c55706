"""Timing for the benches: the sides of a comparison run in turns (so a slow spell of the machine
falls on all of them), each once to warm up and then --repeat times; minimum and median of wall
and CPU time (this process's: on PostgreSQL the server's share of the work shows in wall time
only)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass
class Timings:
    """One side's seconds, wall and CPU, per run."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        """The median wall time, in seconds (what ratios are made of)."""
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        """The median CPU time, in seconds."""
        return statistics.median(self.cpus)

    def line(
        self, name: str, baseline: Timings | None = None, width: int = 34, cpu_ratio: bool = True
    ) -> str:
        """``name``'s minimum and median in ms, wall and CPU, and the ratio of the medians to
        ``baseline``'s (wall; CPU beside it where ``cpu_ratio``: not on PostgreSQL, whose
        server does a query's work outside this process)."""
        text = (
            f"  {name + ':':<{width}} wall min {min(self.walls) * 1000:8.1f} "
            f"median {self.wall * 1000:8.1f} ms | CPU min {min(self.cpus) * 1000:8.1f} "
            f"median {self.cpu * 1000:8.1f} ms"
        )
        if baseline is not None:
            text += f" | ratio {self.wall / baseline.wall:.2f}"
            if cpu_ratio and baseline.cpu > 0:
                text += f" (CPU {self.cpu / baseline.cpu:.2f})"
        return text


def alternate(sides: Mapping[str, Callable[[], object]], repeat: int) -> dict[str, Timings]:
    """Time each of ``sides`` ``repeat`` times (at least 3), in turns, after one warm-up run."""
    for run in sides.values():
        run()
    found = {name: Timings() for name in sides}
    for _ in range(max(repeat, 3)):
        for name, run in sides.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            found[name].cpus.append(time.process_time() - cpu)
            found[name].walls.append(time.perf_counter() - wall)
    return found

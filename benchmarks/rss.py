"""Peak resident memory of the current process.

``resource.getrusage(...).ru_maxrss`` is not used: on Linux it survives ``fork`` + ``exec``, so a
child started by a large parent (this benchmark runner, after the agreement benchmark has a
5-million-row table in memory) reports the parent's peak. ``VmHWM`` belongs to the process's
own address space, which ``exec`` replaces.
"""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

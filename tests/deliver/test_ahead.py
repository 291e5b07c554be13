"""Messages made ahead in a forked child: what the child makes arrives in order, its failures too."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import threading
import time

import pytest

from digest.cli.common import stop_on_signal
from digest.deliver.ahead import PIPE_BYTES, Forked
from digest.deliver.delivery import SendOutcome
from digest.deliver.outbox import NewMessage
from digest.deliver.senders import MAKER_NICE, maker_nice
from digest.errors import DeliveryError
from digest.forking import can_fork

from conftest import Workspace

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def mine() -> bytes:
    return str(os.getpid()).encode() * 5000


def users_until_raised(made: Forked, error: str) -> list[str]:
    """The users of the messages taken from ``made`` until it raised DeliveryError(``error``)."""
    seen = []
    with pytest.raises(DeliveryError, match=error):
        for m in made:
            seen.append(m.user)
    return seen


def maker(n: int, broken: frozenset[int] = frozenset(), crash_at: int | None = None):
    def make(failures: list[SendOutcome]):
        for i in range(n):
            if i == crash_at:
                raise RuntimeError("the template engine fell over")
            if i in broken:
                failures.append(SendOutcome(f"r{i}", f"r{i}@example.org", 1, "", False, "cannot build"))
                continue
            pid = str(os.getpid()).encode()
            yield NewMessage(f"r{i}", f"r{i}@example.org", f"<m{i}@example.org>", "S", pid * 5000, (i,))

    return make


def test_the_child_makes_the_messages_and_they_arrive_in_order_with_the_failures():
    failures: list[SendOutcome] = []
    made = Forked(maker(50, broken=frozenset({7, 30})), failures, fork=True)
    messages = list(made)
    assert [m.user for m in messages] == [f"r{i}" for i in range(50) if i not in (7, 30)]
    assert all(m.mime != mine() for m in messages)  # made in another process
    assert [f.user for f in failures] == ["r7", "r30"]
    assert not made.proc.is_alive()


def test_an_error_in_the_child_is_raised_in_the_reader_after_what_was_made():
    made = Forked(maker(10, crash_at=4), [], fork=True)
    seen = users_until_raised(made, "RuntimeError: the template engine fell over")
    assert seen == ["r0", "r1", "r2", "r3"]


def test_a_reader_that_stops_early_stops_the_child():
    made = Forked(maker(10_000), [], fork=True)
    stream = iter(made)
    assert next(stream).user == "r0"
    stream.close()
    assert not made.proc.is_alive()


def test_with_another_thread_running_nothing_is_forked_and_the_reader_makes_them():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
        made = Forked(maker(3), [])
        assert made.proc is None
        assert [m.mime for m in made] == [mine()] * 3
    finally:
        stop.set()
        other.join()


def test_a_message_larger_than_the_readers_buffer_arrives_whole_and_so_do_the_next():
    def make(failures: list[SendOutcome]):
        yield NewMessage("big", "big@example.org", "<big@x>", "S", b"B" * 2_000_000, (1,), packed=b"P" * 10)
        yield NewMessage("small", "small@example.org", "<small@x>", "S", b"s", (2,), period="2026-11-30")

    big, small = list(Forked(make, [], fork=True))
    assert big.mime == b"B" * 2_000_000 and big.packed == b"P" * 10
    assert (small.mime, small.period, small.packed) == (b"s", "2026-11-30", None)


@pytest.mark.skipif(not hasattr(fcntl, "F_GETPIPE_SZ"), reason="Linux pipes only")
def test_the_pipe_holds_many_messages_so_the_child_runs_ahead_of_a_busy_reader():
    made = Forked(maker(3), [], fork=True)
    try:
        assert fcntl.fcntl(made.reader.fileno(), fcntl.F_GETPIPE_SZ) == PIPE_BYTES  # ~20 messages of 50 KB
    finally:
        list(made)


def test_the_child_runs_ahead_of_a_reader_that_takes_nothing_yet_far_past_the_pipes_buffer():
    made = Forked(maker(300), [], fork=True)  # ~10 MB of messages: ten times the pipe's buffer
    made.proc.join(timeout=60)
    assert made.proc.exitcode == 0  # all made and written, though nothing was taken
    assert [m.user for m in made] == [f"r{i}" for i in range(300)]


def test_a_child_that_runs_ahead_is_held_at_the_bytes_allowed():
    made = Forked(maker(300), [], fork=True, ahead=1 << 20)  # 1 MiB taken ahead, 1 MiB in the pipe
    made.proc.join(timeout=1)
    assert made.proc.is_alive()  # waits to write: ~2 MiB of ~10 MB are out of its hands
    assert [m.user for m in made] == [f"r{i}" for i in range(300)]
    assert made.proc.exitcode == 0


def test_a_single_maker_that_is_killed_stops_the_stream_instead_of_hanging_it():
    made = Forked(parts_maker(100, killed_at=45), [], count=100, part=32, fork=True)
    seen = users_until_raised(made, "the process making the messages stopped")
    assert seen == [f"r{i}" for i in range(len(seen))] and 25 <= len(seen) <= 45  # parts of 25


def parts_maker(
    n: int, broken: frozenset[int] = frozenset(), crash_at: int | None = None, killed_at: int | None = None
):
    def make(failures: list[SendOutcome], part: slice):
        for i in range(n)[part]:
            if i == crash_at:
                raise RuntimeError("the template engine fell over")
            if i == killed_at:
                os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer, say
            if i in broken:
                failures.append(SendOutcome(f"r{i}", f"r{i}@example.org", 1, "", False, "cannot build"))
                continue
            pid = str(os.getpid()).encode()
            yield NewMessage(f"r{i}", f"r{i}@example.org", f"<m{i}.{pid.decode()}@x>", "S", pid * 5000, (i,))

    return make


def test_made_in_parts_each_by_a_process_of_its_own_the_messages_keep_their_order():
    failures: list[SendOutcome] = []
    made = Forked(parts_maker(50, broken=frozenset({7, 30})), failures, count=50, part=8, fork=True)
    messages = list(made)
    assert [m.user for m in messages] == [f"r{i}" for i in range(50) if i not in (7, 30)]
    assert [f.user for f in failures] == ["r7", "r30"]
    makers = {m.mime[:8] for m in messages}
    assert len(makers) == 7 and mine()[:8] not in makers  # 7 parts of 8: 7 processes, none of them this one
    assert len({m.message_id for m in messages}) == len(messages)
    assert made.proc.exitcode == 0


def test_the_parts_are_as_even_as_their_largest_size_allows():
    made = Forked(parts_maker(10), [], count=10, part=8, fork=True)
    by = [m.mime[:8] for m in made]
    assert by[:5] == [by[0]] * 5 and by[5:] == [by[5]] * 5 and by[0] != by[5]  # 5 and 5, not 8 and 2


def test_an_error_in_a_part_is_raised_after_what_was_made_and_no_later_part_runs():
    made = Forked(parts_maker(50, crash_at=20), [], count=50, part=8, fork=True)
    seen = users_until_raised(made, "RuntimeError: the template engine fell over")
    assert seen == [f"r{i}" for i in range(20)]  # the third part (16-23) failed at 20
    assert made.proc.exitcode == 0


def test_a_reader_that_stops_early_stops_the_parts_too():
    made = Forked(parts_maker(100_000), [], count=100_000, part=4096, fork=True)
    stream = iter(made)
    assert next(stream).user == "r0"
    stream.close()
    assert not made.proc.is_alive()


def test_without_a_fork_the_reader_makes_the_whole_in_one_part():
    made = Forked(parts_maker(5), [], count=5, part=2, fork=False)
    assert [m.user for m in made] == [f"r{i}" for i in range(5)]


# -- several makers side by side (the file transport: a reader faster than one maker) ----------


def test_two_makers_take_the_chunks_of_each_part_in_turn_and_the_messages_keep_their_order():
    failures: list[SendOutcome] = []
    made = Forked(
        parts_maker(96, broken=frozenset({7, 30})),
        failures,
        count=100,
        part=32,
        makers=2,
        chunk=4,
        fork=True,
    )
    messages = list(made)
    assert [m.user for m in messages] == [f"r{i}" for i in range(96) if i not in (7, 30)]
    assert [f.user for f in failures] == ["r7", "r30"]
    by = {m.paper_ids[0]: m.mime[:8] for m in messages}
    assert len(set(by.values())) == 6 and mine()[:8] not in by.values()  # 3 parts, 2 makers each
    first, second = by[0], by[4]
    assert first != second
    assert {by[i] for i in (0, 1, 2, 3, 8, 9, 10, 11, 24)} == {first}  # chunks 0, 2, 4, 6: the first maker
    assert {by[i] for i in (4, 5, 6, 12, 28, 31)} == {second}  # chunks 1, 3, 5, 7: the second
    assert made.proc.exitcode == 0


def test_with_two_makers_an_error_is_raised_after_what_was_made_before_it():
    made = Forked(parts_maker(100, crash_at=21), [], count=100, part=32, makers=2, chunk=4, fork=True)
    seen = users_until_raised(made, "RuntimeError: the template engine fell over")
    assert seen == [f"r{i}" for i in range(21)]  # chunk 5 (20-23), the second maker's, failed at 21
    assert made.proc.exitcode == 0


def test_a_maker_that_is_killed_stops_the_stream_instead_of_hanging_it():
    made = Forked(parts_maker(100, killed_at=45), [], count=100, part=32, makers=2, chunk=4, fork=True)
    seen = users_until_raised(made, "the process making the messages stopped")
    assert seen == [f"r{i}" for i in range(len(seen))] and 32 <= len(seen) <= 44
    assert made.proc.exitcode == 1


def test_a_reader_that_stops_early_stops_the_makers_too():
    made = Forked(parts_maker(100_000), [], count=100_000, part=4096, makers=2, fork=True)
    stream = iter(made)
    assert [next(stream).user for _ in range(40)] == [f"r{i}" for i in range(40)]
    stream.close()
    assert not made.proc.is_alive()


# -- the makers' priority ------------------------------------------------------------------


def niceness_maker(n: int):
    """Each message says the priority (niceness) of the process that made it."""

    def make(failures: list[SendOutcome], part: slice):
        for i in range(n)[part]:
            nice = str(os.getpriority(os.PRIO_PROCESS, 0)).encode()
            yield NewMessage(f"r{i}", f"r{i}@example.org", f"<m{i}@x>", "S", nice, (i,))

    return make


@pytest.mark.parametrize("makers", [1, 2])
def test_with_nice_every_maker_runs_at_a_lower_priority_and_the_reader_keeps_its_own(makers):
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    made = Forked(niceness_maker(40), [], count=40, part=16, makers=makers, chunk=4, nice=5, fork=True)
    assert {m.mime for m in made} == {str(min(ours + 5, 19)).encode()}  # every part, every maker
    assert os.getpriority(os.PRIO_PROCESS, 0) == ours


def test_without_nice_the_makers_keep_the_readers_priority():
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    made = Forked(niceness_maker(10), [], count=10, part=4, fork=True)
    assert {m.mime for m in made} == {str(ours).encode()}


def test_the_makers_yield_to_the_sending_threads_with_smtp_but_not_with_files(tmp_path):
    ws = Workspace(tmp_path)
    assert maker_nice(ws.config, None) == MAKER_NICE > 0  # SMTP: the server's replies set the pace
    with ws.config_path.open("a") as f:
        f.write("delivery:\n  transport: file\n  dir: out\n")
    assert maker_nice(ws.config, None) == 0  # files: the makers set the pace


# -- signals: the reader's to take -----------------------------------------------------------


def sigterm_maker(n: int):
    """Each message says how the process that made it takes SIGTERM."""

    def make(failures: list[SendOutcome], part: slice):
        for i in range(n)[part]:
            taken = signal.getsignal(signal.SIGTERM)
            how = {signal.SIG_IGN: b"ignored", signal.SIG_DFL: b"default"}.get(taken, b"handled")
            yield NewMessage(f"r{i}", f"r{i}@example.org", f"<m{i}@x>", "S", how, (i,))

    return make


@pytest.mark.parametrize("makers", [1, 2])
def test_a_sigterm_the_reader_stops_on_is_left_to_it_by_every_maker(makers):
    # `digest send` stops on SIGTERM (systemd sends it to every process of the service): the
    # makers ran its handler on their own copy, each writing "stopping: ..." again, and a
    # second SIGTERM ended them with a traceback. The reader stops and closes the pipes instead.
    with stop_on_signal("finishing the message the server has"):
        made = Forked(sigterm_maker(12), [], count=12, part=4, makers=makers, chunk=2, fork=True)
        assert {m.mime for m in made} == {b"ignored"}


def test_where_the_reader_dies_of_sigterm_the_makers_die_of_it_too():
    made = Forked(sigterm_maker(6), [], count=6, part=4, fork=True)
    assert {m.mime for m in made} == {b"default"}


def test_a_maker_that_ignores_sigterm_and_never_ends_is_still_ended_by_close():
    def stuck(failures: list[SendOutcome]):
        while True:  # writes nothing, so no broken pipe ends it
            time.sleep(60)
        yield  # a generator

    with stop_on_signal("finishing the message the server has"):
        made = Forked(stuck, [], fork=True, grace=GRACE)  # made in the maker itself (no part process)
        made.close()  # it waits for the maker a while (grace), then kills it (SIGTERM would be ignored)
    assert made.proc.exitcode == -signal.SIGKILL


GRACE = 0.2  # s: how long close() waits for a stuck maker here (digest's own is CLOSE_GRACE)


def ended(process: int, within: float = 30.0) -> bool:
    """Has the process a pidfd (``os.pidfd_open``) refers to ended (a zombie too, which nothing may
    reap in a container)? Waited for up to ``within`` seconds: the pidfd turns readable then."""
    return bool(select.select([process], [], [], within)[0])


@pytest.mark.parametrize("makers", [1, 2])
def test_a_part_stuck_without_writing_is_ended_with_the_maker_close_kills(tmp_path, makers):
    """close() kills a maker that does not end (it waits for its part's process), and that part's
    process, which wrote nothing, ran on alone, to its next write or for ever; it dies with it."""
    if not hasattr(os, "pidfd_open"):
        pytest.skip("needs Linux's pidfds")

    def stuck(failures: list[SendOutcome], part: slice):
        (tmp_path / f"part-{os.getpid()}").write_text("")
        while True:  # writes nothing, so no broken pipe ends it
            time.sleep(60)
        yield  # a generator

    processes: list[int] = []
    with stop_on_signal("finishing the message the server has"):
        made = Forked(stuck, [], count=8, part=8, makers=makers, chunk=4, fork=True, grace=GRACE)
        try:
            for _ in range(3000):  # until each part's process runs (a condition polled, not a time waited)
                if len(list(tmp_path.glob("part-*"))) == makers:
                    break
                time.sleep(0.01)
            parts = [int(p.name.removeprefix("part-")) for p in tmp_path.glob("part-*")]
            assert len(parts) == makers
            # Each part's process itself, taken while it surely runs (its maker waits for it): once it
            # ends, its pid may be given to another process, which a kill by pid would hit.
            processes = [os.pidfd_open(pid) for pid in parts]
            made.close()  # it waits for the maker a while (grace), then kills it
        finally:  # failing (the wait, or close()): end the maker, whose parts die with it
            if made.proc.exitcode is None:
                made.proc.kill()
                made.proc.join()
    try:
        assert made.proc.exitcode == -signal.SIGKILL
        assert all(ended(process) for process in processes)
    finally:  # failing, leave none behind (it holds pytest's output open); an ended one is not hit
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(process, signal.SIGKILL)
            os.close(process)

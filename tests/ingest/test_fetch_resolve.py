"""A host's name looked up as the connect is: a stop ends a lookup the resolver never answers
within a second or so, and the source's timeout ends it otherwise.

The resolver is the C library's, asking a real DNS server of ours that never answers: the
lookup runs in a child process in namespaces of its own (``unshare``: a user, mount and network
namespace), where /etc/resolv.conf names that server on the child's own loopback, port 53. No
file of the machine is changed and no other process sees it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.http import Http
from digest.ingest.streams import LOOKUP_THREAD

# The child: a DNS server on 127.0.0.1:53 that takes queries and never answers, then one fetch.
CHILD = textwrap.dedent(
    """
    import json, select, socket, sys, threading, time
    from digest.ingest.http import FetchError, Http

    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 53))
    stop_after, timeout = json.loads(sys.argv[1])
    stop = threading.Event()
    if stop_after is not None:
        threading.Timer(stop_after, stop.set).start()  # SIGTERM, as the daemon takes it
    started = time.monotonic()
    with Http(sleep=lambda s: None, stop=stop) as http:
        try:
            http.get("http://feeds.example.org/daily", timeout=timeout, retries=0)
            error = None
        except FetchError as e:
            error = [type(e).__name__, str(e)]
    took = time.monotonic() - started
    asked = bool(select.select([dns], [], [], 0)[0])  # a query came, and is still unanswered
    lookups = [t.daemon for t in threading.enumerate() if t.name.startswith("digest-lookup")]
    print(json.dumps({"took": took, "error": error, "asked": asked, "lookups": lookups}))
    """
)


def unshared(tmp_path: Path, wait: int = 20) -> list[str]:
    """The command that runs a shell in namespaces of its own, where /etc/resolv.conf names a
    nameserver on the namespace's loopback that is asked once, for ``wait`` seconds."""
    if not all(shutil.which(tool) for tool in ("unshare", "ip", "mount")):
        pytest.skip("needs unshare, ip and mount")
    command = ["unshare", "--user", "--map-root-user", "--mount", "--net"]
    if subprocess.run([*command, "true"], capture_output=True).returncode != 0:
        pytest.skip("user namespaces are not allowed here")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver 127.0.0.1\noptions timeout:{wait} attempts:1\n")
    setup = f'ip link set lo up && mount --bind {resolv} /etc/resolv.conf && exec "$@"'
    return [*command, "sh", "-c", setup, "sh"]


def fetch_in_child(tmp_path: Path, stop_after: float | None, timeout: float) -> dict:
    command = [*unshared(tmp_path), sys.executable, "-c", CHILD, json.dumps([stop_after, timeout])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_stop_ends_a_name_lookup_the_resolver_never_answers(tmp_path):
    """The lookup held the stop until the resolver gave up (20 s here; 5 s and more, by default)."""
    seen = fetch_in_child(tmp_path, stop_after=0.5, timeout=30)
    assert seen["error"] == ["FetchStopped", "http://feeds.example.org/daily: not fetched: stopping"]
    assert seen["took"] < 2.5 and seen["asked"]
    assert seen["lookups"] == [True]  # the lookup left to the resolver, in a daemon thread


def test_a_name_lookup_the_resolver_never_answers_times_out_at_the_sources_timeout(tmp_path):
    """The error says it was the lookup (it read as any timeout: 'no answer ... (timed out)', the
    server suspected where the resolver was silent)."""
    seen = fetch_in_child(tmp_path, stop_after=None, timeout=1.5)
    assert seen["error"] == [
        "FetchError",
        "http://feeds.example.org/daily: no answer within 1.5 s (the name lookup of feeds.example.org "
        "timed out) (after 1 attempt)",
    ]
    assert 1.4 <= seen["took"] < 3.5 and seen["asked"]


def test_a_name_is_looked_up_and_fetched_its_lookup_thread_gone_after_it():
    with (
        LocalHttpServer({"/daily": Route(b"[]")}) as server,
        Http(sleep=lambda s: None, stop=threading.Event()) as client,
    ):
        assert client.get(f"http://localhost:{server.port}/daily", retries=0).body == b"[]"
        assert LOOKUP_THREAD not in [t.name for t in threading.enumerate()]  # joined as it ended


def test_an_address_is_not_looked_up_in_a_thread(monkeypatch):
    """127.0.0.1 needs no resolver: no thread (a process with one thread may fork its work)."""
    started: list[threading.Thread] = []
    start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: (started.append(self), start(self))[1])
    with LocalHttpServer({"/daily": Route(b"[]")}) as server:
        started.clear()  # the server's own
        with Http(sleep=lambda s: None, stop=threading.Event()) as client:
            assert client.get(server.url("/daily"), retries=0).body == b"[]"
    assert [t.name for t in started if t.name == LOOKUP_THREAD] == []


def test_a_name_that_does_not_resolve_is_said_so_by_fetch_and_send(tmp_path, workspace, shared_dumps):
    """A machine offline (or a misspelt host): `digest fetch` said 'cannot connect: [Errno -3]
    Temporary failure in name resolution', and `digest send` the same with 'check smtp.host,
    smtp.port and smtp.security'. Both now say the name does not resolve, and why it may not;
    fetch says so as soon as a try fails, before it waits to try again (it said nothing then).
    The commands run in namespaces whose resolver has no server (nothing on its port 53)."""
    config = workspace.config_path
    config.write_text(
        config.read_text().replace("host: 127.0.0.1", "host: smtp.example.org")
        + "sources:\n  - kind: url\n    name: feed\n    url: http://feeds.example.org/daily\n    retries: 1\n"
    )
    workspace.profile("ada", "email: ada@example.org\ninterests: [language models]\n")
    assert workspace.cli("ingest", *map(str, shared_dumps)).exit_code == 0
    said = {}
    for command in ("fetch", "send"):
        run = [*unshared(tmp_path), sys.executable, "-m", "digest", "--config", str(config), command]
        done = subprocess.run(run, capture_output=True, text=True, timeout=90)
        assert done.returncode == 1, done.stderr
        said[command] = done.stdout + done.stderr
        said[f"{command} stderr"] = done.stderr
    offline = (
        "does not resolve (Temporary failure in name resolution): a misspelt name, or no network or "
        "name service here"
    )
    feed = "http://feeds.example.org/daily: cannot connect: the name feeds.example.org"
    twice = "(after 2 attempts; not tried again: fetch again once online)"  # the resolver's EAI_AGAIN
    assert f"feed: failed: {feed} {offline} {twice}" in said["fetch"]
    assert said["fetch stderr"] == ""  # no "trying again" (test_offline_fetch_tries_each_source_once)
    smtp = "cannot connect to the SMTP server smtp.example.org:2525 (no TLS): the name smtp.example.org"
    assert f"{smtp} {offline}; check smtp.host in the config" in said["send"]


def test_offline_fetch_tries_each_source_once(tmp_path, workspace):
    """A user offline (on a train) waited half a minute for `digest fetch` to say so: each source
    was tried four times, 2, 4 and 8 s apart, one source after the other, though a name that does
    not resolve or a network that is unreachable fails alike a second later. Run here in
    namespaces with no network but the loopback (and a resolver that is not there): one source by
    name, one by an address (whose network is unreachable), each tried once; the name twice, a
    second after, as the resolver's "temporary failure" (none reachable) may be a slow one's
    (test_fetch_tries_once_more_a_name_whose_resolver_answered_too_late). Tries that may pass
    (a refused connection, 5xx, a timeout) are still made (test_progress, test_fetch)."""
    config = workspace.config_path
    config.write_text(
        config.read_text()
        + "sources:\n"
        + "  - kind: url\n    name: named\n    url: http://feeds.example.org/daily\n"
        + "  - kind: url\n    name: address\n    url: http://192.0.2.10/daily\n"
    )
    run = [*unshared(tmp_path), sys.executable, "-m", "digest", "--config", str(config), "fetch"]
    done = subprocess.run(run, capture_output=True, text=True, timeout=90)
    assert done.returncode == 1, done.stderr
    once = "(after 1 attempt; not tried again: fetch again once online)"
    assert done.stdout.splitlines() == [
        "named: failed: http://feeds.example.org/daily: cannot connect: the name feeds.example.org "
        "does not resolve (Temporary failure in name resolution): a misspelt name, or no network or "
        "name service here (after 2 attempts; not tried again: fetch again once online)",
        "address: failed: http://192.0.2.10/daily: cannot connect: [Errno 101] Network is unreachable "
        + once,
    ]
    assert done.stderr == ""  # no "trying again in 2 s"


# The children's DNS server on 127.0.0.1:53, answering feeds.example.org (127.0.0.1, where a server
# of the child's serves it) as argv[1] says: late, the askings argv[2] numbers (for each type of
# record, from 0; by default the first) answered 1.5 s later (a cold cache), the others at once.
DNS_SERVER = textwrap.dedent(
    """
    import json, socket, struct, sys, threading
    from digest.demo.http_server import LocalHttpServer, Route
    from digest.ingest.http import FetchError, Http

    mode = sys.argv[1]
    late_at = {int(n) for n in (sys.argv[2] if len(sys.argv) > 2 else "0").split(",")}
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 53))
    asked, events = [], []  # events: the A lookups ("late", "answered") among the child's own

    def serve():
        while True:
            query, peer = dns.recvfrom(512)
            end = 12
            while query[end]:
                end += query[end] + 1
            question, qtype = query[12 : end + 5], struct.unpack(">H", query[end + 1 : end + 3])[0]
            rcode = {"servfail": 2, "nxdomain": 3}.get(mode, 0)
            answers = b"" if rcode or qtype != 1 else (
                b"\\xc0\\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
            )
            reply = query[:2] + struct.pack(">HHHHH", 0x8180 | rcode, 1, int(bool(answers)), 0, 0)
            reply += question + answers
            late = mode in ("late", "steps") and asked.count(qtype) in late_at
            asked.append(qtype)
            if qtype == 1:
                events.append("lookup: late" if late else "lookup: answered")
            if late:
                threading.Timer(1.5, dns.sendto, (reply, peer)).start()
            else:
                dns.sendto(reply, peer)

    threading.Thread(target=serve, daemon=True).start()
    """
)

# The child: one `digest fetch`'s fetch of feeds.example.org's /daily.
RESOLVER_CHILD = DNS_SERVER + textwrap.dedent(
    """
    with LocalHttpServer({"/daily": Route(b"[]")}) as server, Http(offline_once=True) as http:
        try:
            said = ["fetched", http.get(f"http://feeds.example.org:{server.port}/daily").body.decode()]
        except FetchError as e:
            said = ["FetchError", str(e).replace(str(server.port), "PORT")]
    print(json.dumps({"said": said, "asked": asked.count(1)}))
    """
)


def resolver_says(tmp_path: Path, mode: str, child: str = RESOLVER_CHILD, *args: str) -> dict:
    """`digest fetch`'s fetch (Http(offline_once=True)) whose resolver waits 1 s for an answer."""
    command = [*unshared(tmp_path, wait=1), sys.executable, "-c", child, mode, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_fetch_tries_once_more_a_name_whose_resolver_answered_too_late(tmp_path):
    """A resolver answering after 1.5 s (its cache cold) where the C library waits 1 s: `digest
    fetch` gave up at once ('Temporary failure in name resolution', after 1 attempt), where a
    second try finds the answer come; the cron's fetch of the day was lost. It tries once more."""
    seen = resolver_says(tmp_path, "late")
    assert seen == {"said": ["fetched", "[]"], "asked": 2}


@pytest.mark.parametrize(
    ("mode", "said", "asked"),
    [  # SERVFAIL (or no resolver reachable, or none answering in time) twice: not tried more
        ("servfail", "Temporary failure in name resolution", 2),
        ("nxdomain", "Name or service not known", 1),  # no second try would find otherwise
    ],
)
def test_fetch_gives_up_on_a_name_that_does_not_exist_or_whose_second_try_fails_too(
    tmp_path, mode, said, asked
):
    seen = resolver_says(tmp_path, mode)
    tries = "1 attempt" if asked == 1 else f"{asked} attempts"
    assert seen["said"] == [
        "FetchError",
        f"http://feeds.example.org:PORT/daily: cannot connect: the name feeds.example.org does not "
        f"resolve ({said}): a misspelt name, or no network or name service here (after {tries}; not "
        "tried again: fetch again once online)",
    ]
    assert seen["asked"] == asked


# The child: `digest fetch`'s client (Http(offline_once=True)) keeping feeds.example.org's pace, as
# arXiv's (one request every 3 s), fetching /a, /b and /c in turn, each answer closing its
# connection (HTTP/1.0), so each request looks the name up anew. Its clock moves only by its
# waits, which it takes at once: what is said is the order of the lookups, the requests that
# reach the server and the waits, never how long anything took.
PACE_CHILD = DNS_SERVER + textwrap.dedent(
    """
    now = [0.0]

    def sleep(seconds):
        events.append(f"wait {seconds:g} s")
        now[0] += seconds

    served = {"/a": [Route(b"[]")], "/b": [Route(b"[]")], "/c": [Route(b"", status=503), Route(b"[]")]}

    def answer_of(path):
        def answer(query):
            route = served[path].pop(0) if len(served[path]) > 1 else served[path][0]
            events.append(f"GET {path}: {route.status}")
            return route
        return answer

    slow = frozenset({"feeds.example.org"})
    with (
        LocalHttpServer({path: answer_of(path) for path in served}) as server,
        Http(offline_once=True, slow_hosts=slow, clock=lambda: now[0], sleep=sleep) as http,
    ):
        for path in served:
            http.get(f"http://feeds.example.org:{server.port}{path}")
    print(json.dumps({"events": events}))
    """
)


def test_a_try_whose_name_did_not_resolve_does_not_hold_the_hosts_pace(tmp_path):
    """A slow host's (arXiv's) pace counts the requests that reached it (Http._unpace): a try
    whose lookup the resolver answered too late (EAI_AGAIN) never did, so the one more try a
    second later is not held back to 3 s after it, and the host's next request is paced from
    the request before that reached it; a try that the host answered (a 503) holds the pace."""
    seen = resolver_says(tmp_path, "steps", PACE_CHILD, "0,2")
    assert seen["events"] == [
        "lookup: late",
        "wait 1 s",  # RESOLVER_PAUSE; without _unpace, then "wait 2 s": 3 s after the try not made
        "lookup: answered",
        "GET /a: 200",
        "wait 3 s",  # the pace, from /a's request
        "lookup: late",
        "wait 1 s",  # and no more: the try not made holds nothing, /a's request was 4 s before
        "lookup: answered",
        "GET /b: 200",
        "wait 3 s",
        "lookup: answered",
        "GET /c: 503",  # the host answered: its pace holds the try after the backoff's 2 s
        "wait 2 s",
        "wait 1 s",
        "lookup: answered",
        "GET /c: 200",
    ]

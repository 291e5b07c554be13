"""Where a send's time goes, step by step, for N generated readers (aiosmtpd in this process).

For the whole `digest send` as a user runs it, against a bare smtplib loop, see bench_send.py.

    python benchmarks/bench_delivery.py                  # 10,000 readers
    python benchmarks/bench_delivery.py --readers 500 --connections 8

Prints: matching, rendering alone (the fast renderer and the plain premailer-per-message one, side
by side on the same digests, with their outputs compared byte for byte, and the speed ratio; and
the fast renderer with a template that cannot be pre-inlined, which hands each message to premailer),
message building (the email package's EmailMessage + as_bytes, and digest.mime writing the same
bytes directly, compared byte for byte with the same boundary), queueing (render + build + store, with
the time of each), SMTP delivery (messages per second), the end-to-end split and the peak memory
(max RSS) of the process. ``--no-smtp`` stops after queueing (for quick iterations); ``--signed``
puts the signed preferences, unsubscribe and rating links in every message (base_url and a secret).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _dumps import dump_files  # noqa: E402

import digest.daemon.tick  # noqa: E402
from digest.compose import mime  # noqa: E402
from digest.compose.message import build_message, message_id, unsubscribe_links  # noqa: E402
from digest.compose.mime import CRLF_POLICY, message_bytes  # noqa: E402
from digest.compose.render import Renderer  # noqa: E402
from digest.config import parse_config  # noqa: E402
from digest.deliver.delivery import deliver_due  # noqa: E402
from digest.deliver.queue import queue_digests  # noqa: E402
from digest.deliver.senders import sender_factory  # noqa: E402
from digest.demo.smtp_server import LocalSmtpServer  # noqa: E402
from digest.ingest.dumps import ingest  # noqa: E402
from digest.models import Interest, Profile  # noqa: E402
from digest.select.digests import next_digests  # noqa: E402
from digest.signing import Signer  # noqa: E402
from digest.store import Store  # noqa: E402

NOW = dt.datetime(2026, 3, 20, 7, 0, tzinfo=dt.UTC)
VOCABULARY = [
    "language model", "diffusion", "agent", "reinforcement learning", "vision", "video", "reasoning",
    "benchmark", "multimodal", "retrieval", "robot", "speech", "3d", "image", "transformer",
    "fine-tuning", "alignment", "dataset", "generation", "graph", "attention", "token", "efficient",
]  # fmt: skip


class Counting:
    """An aiosmtpd handler that counts what it accepts (and keeps no bytes)."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.content)
        return "250 2.0.0 queued"


def readers(n: int, rng: random.Random) -> list[Profile]:
    return [
        Profile(
            user=f"reader{i:05d}",
            email=f"reader{i:05d}@example.org",
            interests=tuple(Interest(w, rng.choice([1.0, 2.0, 3.0])) for w in rng.sample(VOCABULARY, 5)),
            name=f"Reader {i}",
        )
        for i in range(n)
    ]


def timed(renderer: Renderer, key: str, spent: dict[str, float]) -> None:
    """Count the time spent in ``renderer.render`` into ``spent[key]``."""
    render = renderer.render

    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return render(*a, **k)
        finally:
            spent[key] += time.perf_counter() - t

    renderer.render = wrapper  # type: ignore[method-assign]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readers", type=int, default=10_000)
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--compare", type=int, default=1000, help="digests rendered both ways (default 1000)")
    ap.add_argument("--dumps", type=Path, default=ROOT.parent / "shared" / "dumps")
    ap.add_argument("--no-smtp", action="store_true", help="stop after queueing (no delivery)")
    ap.add_argument(
        "--signed",
        action="store_true",
        help="with base_url and a secret: signed preferences, unsubscribe and rating links in every message",
    )
    args = ap.parse_args()
    dumps = dump_files(args.dumps)  # none: stops here, before the work folder and the server
    if args.signed:
        os.environ["DIGEST_BENCH_SECRET"] = "bench-secret-0123456789abcdef0123"
    rng = random.Random(2026)
    work = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    handler = Counting()
    with LocalSmtpServer(handler) as server:
        config = parse_config(
            {
                "database": "digest.db",
                "inbox": "inbox",
                "profiles": "profiles",
                "smtp": {"host": "127.0.0.1", "port": server.port, "from": "Digest <d@example.org>"},
                "delivery": {"connections": args.connections},
                **(
                    {"base_url": "https://digest.example.org", "web": {"secret_env": "DIGEST_BENCH_SECRET"}}
                    if args.signed
                    else {}
                ),  # fmt: skip
            },
            work / "config.yaml",
        )
        store = Store(config.database)
        ingest(store, dumps, NOW)
        print(
            f"{len(store.papers())} papers from {len(dumps)} dumps; {args.readers} readers; work dir {work}"
        )

        t0 = time.perf_counter()
        digests = next_digests(store, readers(args.readers, rng), NOW)
        t_match = time.perf_counter() - t0
        sizes = [len(d.matches) for d in digests]
        print(f"matching   {t_match:8.2f} s   {args.readers / t_match:8.0f} readers/s   "
              f"papers per digest {min(sizes)}-{max(sizes)}, mean {sum(sizes) / len(sizes):.1f}")  # fmt: skip

        sample = digests[: min(args.compare, len(digests))]
        signer = Signer.from_config(config)
        links = [unsubscribe_links(d.profile, config.smtp.sender, config.base_url, signer) for d in sample]
        fast, plain = Renderer(), Renderer(fast=False)
        timings = {}
        outputs = {}
        for name, renderer in (("plain", plain), ("fast", fast)):
            t0 = time.perf_counter()
            outputs[name] = [renderer.render(d, links=ln) for d, ln in zip(sample, links, strict=True)]
            timings[name] = time.perf_counter() - t0
        same = outputs["plain"] == outputs["fast"]
        for name in ("plain", "fast"):
            print(f"render {name:5} {timings[name]:8.2f} s   {len(sample) / timings[name]:8.0f} digests/s   "
                  f"{timings[name] / len(sample) * 1000:6.2f} ms each  ({len(sample)} digests)")  # fmt: skip
        print(f"rendering alone: fast is x{timings['plain'] / timings['fast']:.1f} the plain pipeline "
              f"(premailer per message); outputs identical byte for byte: {same}; "
              f"fallbacks {fast.fallbacks}, pre-inlined template: {fast.preinlined is not None}")  # fmt: skip
        unsupported = Renderer()
        unsupported.preinlined = None  # as for a user's template that cannot be pre-inlined
        some = sample[: min(200, len(sample))]
        t0 = time.perf_counter()
        per_message = [unsupported.render(d, links=ln) for d, ln in zip(some, links, strict=False)]
        t_per = time.perf_counter() - t0
        same = per_message == outputs["plain"][: len(some)]
        print(f"render, template not pre-inlined: {t_per / len(some) * 1000:6.2f} ms each "
              f"({len(some)} digests; identical to plain: {same})")  # fmt: skip

        ids = [message_id(d.profile.user, NOW, "d") for d in sample]
        jobs = [(out, d.profile, config.smtp.sender, i, NOW, ln)
                for d, ln, out, i in zip(sample, links, outputs["fast"], ids, strict=True)]  # fmt: skip
        t0 = time.perf_counter()
        packaged = []
        for job in jobs:
            msg = build_message(*job)
            packaged.append((msg.as_bytes(policy=CRLF_POLICY), msg.get_boundary()))
        t_package = time.perf_counter() - t0
        fallbacks = Counter(mime.FALLBACKS)
        t0 = time.perf_counter()
        for job in jobs:
            message_bytes(*job)
        t_direct = time.perf_counter() - t0
        fallbacks = dict(Counter(mime.FALLBACKS) - fallbacks)
        identical = all(
            message_bytes(*job, boundary=b) == data for job, (data, b) in zip(jobs, packaged, strict=True)
        )
        size = sum(len(data) for data, _ in packaged) / len(packaged) / 1024
        print(f"message building: email package {t_package / len(jobs) * 1000:.2f} ms, "
              f"direct {t_direct / len(jobs) * 1000:.2f} ms, identical: {identical}  "
              f"(x{t_package / t_direct:.1f}; {len(jobs)} messages, {size:.0f} KB each on average; "
              f"headers folded by the email package: {fallbacks or 'none'})")  # fmt: skip
        del packaged, jobs
        del outputs

        spent = {"render": 0.0, "build": 0.0}
        renderer = Renderer()
        timed(renderer, "render", spent)
        original_build = digest.compose.outgoing.message_bytes

        def build(*a, **k):
            t = time.perf_counter()
            try:
                return original_build(*a, **k)
            finally:
                spent["build"] += time.perf_counter() - t

        digest.compose.outgoing.message_bytes = build
        t0 = time.perf_counter()
        queued = queue_digests(config, store, digests, NOW, renderer=renderer)
        t_queue = time.perf_counter() - t0
        digest.compose.outgoing.message_bytes = original_build
        t_render, t_build = spent["render"], spent["build"]
        t_store = t_queue - t_render - t_build
        print(f"queueing   {t_queue:8.2f} s   {len(queued) / t_queue:8.0f} messages/s   "
              f"render {t_render:.2f} s ({t_render / len(queued) * 1000:.2f} ms each), "
              f"build {t_build:.2f} s ({t_build / len(queued) * 1000:.2f} ms each), "
              f"store {t_store:.2f} s; fallbacks {renderer.fallbacks}")  # fmt: skip
        if args.no_smtp:
            total = t_match + t_queue
            print(f"end to end (no smtp) {total:8.2f} s   {len(queued) / total:8.0f} messages/s   "
                  f"split: matching "
                  f"{t_match / total:.0%}, rendering {t_render / total:.0%}, building {t_build / total:.0%}, "
                  f"storing {t_store / total:.0%}")  # fmt: skip
            print(f"peak memory (max RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
            return

        t0 = time.perf_counter()
        outcomes = deliver_due(config, store, sender_factory(config), NOW)
        t_smtp = time.perf_counter() - t0
        ok = sum(o.ok for o in outcomes)
        rate = ok / t_smtp
        print(f"smtp       {t_smtp:8.2f} s   {rate:8.0f} messages/s   {ok} accepted of {len(outcomes)}, "
              f"{args.connections} connections, server received {handler.count} "
              f"({handler.bytes / 1e6:.0f} MB)")  # fmt: skip
        total = t_match + t_queue + t_smtp
        print(f"end to end {total:8.2f} s   {ok / total:8.0f} messages/s   split: matching "
              f"{t_match / total:.0%}, rendering {t_render / total:.0%}, building {t_build / total:.0%}, "
              f"storing {t_store / total:.0%}, smtp {t_smtp / total:.0%}")  # fmt: skip
        rest = t_queue + t_smtp
        print(f"without matching {rest:8.2f} s   {ok / rest:8.0f} messages/s (render + build + store + smtp)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (max RSS) {peak:.0f} MB")
        store.close()


if __name__ == "__main__":
    main()

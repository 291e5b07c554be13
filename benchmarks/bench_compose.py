"""The CPU cost of making one digest message (what `digest send`'s maker process does), paired.

    python benchmarks/bench_compose.py                         # 3,000 readers, this checkout vs main
    python benchmarks/bench_compose.py --readers 10000 --rounds 3 --base HEAD~4
    python benchmarks/bench_compose.py --readers 2000 --no-links  # no base_url: mailto links only

Set-up (not timed): the shared dumps (../shared/dumps beside the checkout) ingested into a
fresh SQLite database, N generated readers (the same generator and seed as bench_send.py,
max_papers 10) and their digests ranked, in each run's own process. With links (the
default), ``base_url`` and a signing secret are configured, so each message carries the
reader's signed preferences, unsubscribe and per-paper rating links.

Each round runs, in turn (A B A B ...), one fresh process per run:
  A  the base revision (``--base``, default ``main``: its ``digest/`` and ``templates/``
     exported with ``git archive`` into a temporary folder);
  B  this checkout.
Timed, per message, what the forked maker (digest.deliver.ahead) does: render the digest
(prepare), build its bytes (new_message), and pickle it as the pipe to the sending process
does. Printed per run: CPU time per message (process_time) and wall time, each phase's
share, a message's size and what the outbox stores of it (compressed), and the load average;
then the paired B/A CPU ratios. Both revisions' messages are also checked to decode to the
same text and the same HTML document (``--no-check`` to skip).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
NOW = dt.datetime(2026, 3, 20, 7, 0, tzinfo=dt.UTC)
SECRET = "bench-compose-secret-" + "x" * 40


def export(ref: str, into: Path) -> Path:
    """``digest/`` and ``templates/`` of ``ref`` (a git revision of this checkout), into ``into``."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "digest", "templates", "pyproject.toml"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def make_profiles(folder: Path, n: int) -> None:
    sys.path.insert(0, str(HERE))
    from bench_send import make_profiles as generate  # the same readers as bench_send

    generate(folder, n, random.Random(2026))


def setup(work: Path, readers: int, links: bool, dumps: list[Path]) -> None:
    (work / "inbox").mkdir(parents=True, exist_ok=True)
    for dump in dumps:
        (work / "inbox" / dump.name).write_bytes(dump.read_bytes())
    make_profiles(work / "profiles", readers)
    web = "base_url: https://digest.example.org\nweb:\n  secret_env: BENCH_COMPOSE_SECRET\n" if links else ""
    (work / "config.yaml").write_text(
        "database: digest.db\ninbox: inbox\nprofiles: profiles\n"
        "smtp:\n  host: 127.0.0.1\n  port: 2525\n  from: Digest <digest@example.org>\n" + web,
        encoding="utf-8",
    )


def worker(root: Path, work: Path, sample: Path | None) -> None:
    """One run: the digests of ``work``'s readers made with the code under ``root``; a JSON line out."""
    sys.path.insert(0, str(root))
    os.environ["BENCH_COMPOSE_SECRET"] = SECRET
    from digest.compose.outgoing import prepare
    from digest.compose.render import Renderer
    from digest.config import load_config
    from digest.deliver.queue import new_message
    from digest.ingest.dumps import ingest
    from digest.profiles.load import load_profiles
    from digest.select.digests import next_digests
    from digest.store import Store

    assert Path(sys.modules["digest"].__file__).resolve().is_relative_to(root.resolve())
    config = load_config(work / "config.yaml")
    db = Path(config.database)
    db.unlink(missing_ok=True)
    with Store(config.database) as store:
        ingest(store, sorted(config.inbox.iterdir()), NOW)
        profiles = load_profiles(config)
        digests = []
        for i in range(0, len(profiles), 500):
            digests += next_digests(store, profiles[i : i + 500], NOW, config=config)
    digests = [d for d in digests if d.matches]
    renderer = Renderer(config.templates)
    gc.freeze()  # as digest.deliver.ahead does before it forks the maker

    render = build = pipe = 0.0
    size = stored = 0
    kept: list[bytes] = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for n, digest in enumerate(digests):
        t0 = time.perf_counter()
        out = prepare(config, digest, renderer, NOW)
        t1 = time.perf_counter()
        message = new_message(out, "2026-03-20")
        t2 = time.perf_counter()
        blob = pickle.dumps(("message", message), pickle.HIGHEST_PROTOCOL)
        t3 = time.perf_counter()
        render, build, pipe = render + t1 - t0, build + t2 - t1, pipe + t3 - t2
        size += len(message.mime)
        stored += len(message.packed or b"")
        if sample is not None and n % 50 == 0:
            kept.append(message.mime)
        del blob
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    if sample is not None:
        sample.write_bytes(pickle.dumps(kept))
    n = len(digests)
    print(
        json.dumps(
            {
                "messages": n,
                "cpu_ms": 1000 * cpu / n,
                "wall_ms": 1000 * wall / n,
                "render_ms": 1000 * render / n,
                "bytes_ms": 1000 * build / n,
                "pickle_ms": 1000 * pipe / n,
                "kb": size / n / 1024,
                "stored_kb": stored / n / 1024,
                "papers": sum(len(d.matches) for d in digests) / n,
            }
        )
    )


def run(root: Path, work: Path, sample: Path | None) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--worker", str(root), "--work", str(work)]
    if sample is not None:
        cmd += ["--sample", str(sample)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=work)
    return json.loads(out.stdout.strip().splitlines()[-1])


def decoded(mime: bytes) -> tuple[str, ...]:
    """What a mail client shows: the subject, the recipient, the text part and the HTML part's
    document (parsed by lxml and written back: equal strings, equal documents). Message-ID,
    Date and the boundary are left out: they differ between any two makings."""
    import email
    from email import policy

    import lxml.html
    from lxml import etree

    msg = email.message_from_bytes(mime, policy=policy.default)
    text, html = (p.get_content().replace("\r\n", "\n") for p in msg.iter_parts())
    document = etree.tostring(lxml.html.document_fromstring(html), method="html", encoding="unicode")
    return (str(msg["Subject"]), str(msg["To"]), text, document)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def show(label: str, r: dict[str, float]) -> None:
    print(
        f"  {label:<10} cpu {r['cpu_ms']:6.3f} ms/msg  wall {r['wall_ms']:6.3f} ms/msg  "
        f"(render {r['render_ms']:.3f}, bytes {r['bytes_ms']:.3f}, pickle {r['pickle_ms']:.3f} ms)  "
        f"{int(r['messages'])} msgs, {r['papers']:.1f} papers, {r['kb']:.1f} KB "
        f"(stored {r.get('stored_kb', 0):.1f} KB)   [{load()}]",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readers", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=2, help="A B pairs")
    ap.add_argument("--base", default="main", help="the git revision to compare with (default: main)")
    ap.add_argument("--shared", type=Path, default=SHARED, help="default: ../shared beside the checkout")
    ap.add_argument("--no-links", action="store_true", help="no base_url: mailto unsubscribe only")
    ap.add_argument("--no-check", action="store_true", help="skip comparing the decoded messages")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--sample", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.work, args.sample)
        return
    from _dumps import dump_files  # not at the top: a worker imports the digest of its --worker root

    dumps = dump_files(args.shared / "dumps", option="--shared DIR (its dumps/ folder)")  # none: stop here
    with tempfile.TemporaryDirectory(prefix="bench-compose-") as tmp:
        tmp_path = Path(tmp)
        base = export(args.base, tmp_path / "base")
        work = tmp_path / "work"
        setup(work, args.readers, not args.no_links, dumps)
        print(
            f"{args.readers} readers, dumps from {args.shared / 'dumps'}; A = {args.base}, B = this checkout"
        )
        ratios = []
        for k in range(args.rounds):
            check = not args.no_check and k == 0
            a = run(base, work, tmp_path / "a.pickle" if check else None)
            show(f"A{k + 1}", a)
            b = run(ROOT, work, tmp_path / "b.pickle" if check else None)
            show(f"B{k + 1}", b)
            ratios.append(b["cpu_ms"] / a["cpu_ms"])
            if check:
                old = pickle.loads((tmp_path / "a.pickle").read_bytes())
                new = pickle.loads((tmp_path / "b.pickle").read_bytes())
                same = sum(decoded(x) == decoded(y) for x, y in zip(old, new, strict=True))
                print(f"  decoded alike (subject, To, text, HTML document): {same} of {len(old)} sampled")
        print(
            f"paired CPU ratio B/A: {', '.join(f'{r:.2f}' for r in ratios)} "
            f"(median {statistics.median(ratios):.2f}; A/B speed-up {1 / statistics.median(ratios):.2f}x)"
        )


if __name__ == "__main__":
    main()

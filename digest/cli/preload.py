"""What a long-running `digest run` or `digest serve` imports as it starts beyond what its start
needs: the digest modules its passes and pages import inside functions, only when they need
them. A `pip install` of another release while it runs replaces the files under it, and a
module imported the first time after that is the other release's, mixed with this one's (a name
it imports that this release's modules lack, a function called as the other release calls it);
imported at the start, it runs the release it started with until restarted (README, Upgrading),
as its built-in templates (digest.compose.jinja_env). tests/test_upgrade_running.py fails when
a function-level import names a module these lists leave out."""

from __future__ import annotations

import importlib

_BOTH = (
    "digest.cli.bar",  # digest.cli.common's helpers
    "digest.cli.renamed_user",  # a renamed reader's name, in digest.cli.papers, .feedback, .daily
    "digest.daemon.already",  # digest.cli.feedback's words of a paused reader's rating
    "digest.install_source",  # a damaged install's fix (digest.compose.jinja_env.restore)
    "digest.profiles.term_slips",
    "digest.select.semantic",  # semantic matching turned on (numpy; its model's libraries at its load)
)
LATER: dict[str, tuple[str, ...]] = {
    "run": _BOTH,
    "serve": (
        *_BOTH,
        # a link of a name without a file (digest.web.identity), digest.cli.afresh's helpers (its
        # start_afresh_before_links, called at the start, imports the first three already)
        "digest.daemon.agree",
        "digest.daemon.names",
        "digest.daemon.newcomer",
        "digest.daemon.renamed_first",
        "digest.ingest.sources.decode",  # digest.store_cleanup, digest.store_twice
        "digest.ingest.sources.fields",
        "digest.ingest.sources.markup",
    ),
}


def preload(command: str) -> None:
    """Import the modules ``command`` (run, serve) may import later."""
    for name in LATER[command]:
        importlib.import_module(name)

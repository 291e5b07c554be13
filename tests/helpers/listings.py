"""The rest of a listing: papers on subjects the tests' readers do not ask for. A reader's model
tells what a reader likes from what a listing mostly is, so a listing of a few papers alone would
be no test of it; these fill it out."""

from __future__ import annotations

OTHER_SUBJECTS = [
    ("Cache-oblivious B-trees", "Search trees that adapt to the memory hierarchy."),
    ("Consensus in asynchronous networks", "Byzantine agreement with authenticated messages."),
    ("Register allocation by graph coloring", "A compiler pass that spills fewer variables."),
    ("Query optimization for column stores", "Join ordering with cardinality estimates."),
    ("Garbage collection pauses", "A concurrent collector for large heaps."),
    ("Lock-free hash tables", "Open addressing with atomic compare-and-swap."),
    ("Type inference for dynamic languages", "Gradual types recovered from execution traces."),
    ("Energy-aware scheduling on phones", "Batching background work saves battery."),
    ("Erasure codes for cold storage", "Reed-Solomon stripes across data centers."),
    ("Formal verification of file systems", "Crash consistency proved in a proof assistant."),
]

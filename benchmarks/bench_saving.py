"""5. Saving: latency of one acknowledged edit with the crash-safe store vs bare write+fsync."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from annotator.model.records import AnnotationRecord
from annotator.store.annotations import AnnotationFile, encode_record
from benchmarks import generate
from benchmarks.framework import Row, Settings, Stats, Suite, ratio_target


def run(settings: Settings) -> Suite:
    suite = Suite("saving")
    source = generate.project(1000)
    saves = settings.pick(2000, 40)
    generate.DATA.mkdir(parents=True, exist_ok=True)
    # On the same disk as the real projects (not a tmpfs), so fsync costs what it costs.
    work = tempfile.mkdtemp(prefix="saving-", dir=generate.DATA)
    try:
        journal = os.path.join(work, "alice.jsonl")
        shutil.copyfile(source / "annotations" / "alice.jsonl", journal)
        lines = (source / "annotations" / "alice.jsonl").read_bytes().splitlines()
        base = AnnotationRecord.model_validate_json(lines[-1])
        # One record per edit, as the editor makes them: the span list grows by one each time.
        records = [
            base.model_copy(
                update={
                    "spans": base.spans[: 1 + i % len(base.spans)],
                    "seconds_spent": base.seconds_spent + i,
                }
            )
            for i in range(saves + 5)
        ]
        store = AnnotationFile(Path(journal), "alice", writable=True)
        bare_path = os.path.join(work, "bare.jsonl")
        bare = os.open(bare_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        payloads = [encode_record(record) for record in records]
        ours: list[float] = []
        peer: list[float] = []

        def save(index: int) -> float:
            start = time.perf_counter()
            store.save(records[index])
            return time.perf_counter() - start

        def write(index: int) -> float:
            start = time.perf_counter()
            os.write(bare, payloads[index])
            os.fsync(bare)
            return time.perf_counter() - start

        for index in range(5):  # warm-up
            save(index)
            write(index)
        for index in range(5, saves + 5):
            if index % 2:
                ours.append(save(index))
                peer.append(write(index))
            else:
                peer.append(write(index))
                ours.append(save(index))
        store.close()
        os.close(bare)
        ours_stats, peer_stats = Stats.of(ours), Stats.of(peer)
        size = sum(len(p) for p in payloads) / len(payloads)
        suite.rows.append(
            ratio_target(
                Row(
                    "5 saving",
                    f"median, records of 1–{len(base.spans)} spans (avg {size / 1024:.1f} KB)",
                    "s",
                    ours_stats,
                    peer_stats,
                    "write+fsync",
                ),
                2.0,
            )
        )
        suite.rows.append(
            ratio_target(
                Row(
                    "5 saving",
                    f"p99 of {saves} saves",
                    "s",
                    ours_stats,
                    peer_stats,
                    "write+fsync",
                    ours_value=ours_stats.percentile(0.99),
                    peer_value=peer_stats.percentile(0.99),
                ),
                2.0,
            )
        )
        encode = Stats.of([_time_encode(records[i]) for i in range(min(50, len(records)))])
        suite.notes.append(
            f"encoding a record (model_dump + orjson) takes {encode.median * 1e6:.0f} µs of each "
            f"save; the rest is the write and the fsync, the same as the peer's"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return suite


def _time_encode(record: AnnotationRecord) -> float:
    start = time.perf_counter()
    encode_record(record)
    return time.perf_counter() - start

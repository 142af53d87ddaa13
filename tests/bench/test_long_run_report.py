"""The long run's memory target: growth from the settled second to the end, the tree's PSS
and the answer file together, against the answer file's bound and every HTTP worker's caches."""

from __future__ import annotations

from tests.bench.scripts import bench_module

MIB = 2**20


def _run(pss_mib: list[int], file_mib: list[float]) -> dict:
    samples = [
        {"second": float(i + 1), "pss_kib": p * 1024, "processes": 7, "answer_file_bytes": int(f * MIB)}
        for i, (p, f) in enumerate(zip(pss_mib, file_mib, strict=True))
    ]
    return {
        "seconds": 12.0,
        "settled_at": 10.0,
        "completed": 1000,
        "failures": {},
        "samples": samples,
        "http_workers": 2,
        "caches_max_bytes_per_worker": 97 * MIB,
        "answer_file_max_bytes": 64 * MIB,
    }


def test_growth_counts_the_tree_and_the_answer_file_from_the_settled_second() -> None:
    report = bench_module("report")
    # 40 MiB of PSS before second 10 do not count; from second 10 to 12: +3 MiB PSS and +6 MiB of file
    run = _run([90] * 9 + [130, 131, 133], [0] * 9 + [30, 33, 36])
    ((name, wanted, measured, verdict),) = report._long_run_targets(run)
    assert "from second 10 to 12" in name
    assert wanted == "<= the caches' bound, 258 MiB"  # 64 + 2 x 97
    assert measured == "+9.0 MiB" and verdict == "met"
    assert "| 12 | 7 | 133 | 36.0 |" in report._long_run({"extras": {"long_run": run}})


def test_growth_past_the_bound_is_missed_and_a_run_too_short_to_settle_reports_nothing() -> None:
    report = bench_module("report")
    run = _run([90] * 9 + [130, 300, 400], [0] * 12)
    assert report._long_run_targets(run)[0][3] == "**missed**"
    assert report._long_run_targets(_run([90] * 9 + [130], [0] * 10)) == []

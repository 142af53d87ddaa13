"""The report's correctness section: a wrong answer is a failure; a DESCRIBE unlike the
reference's is not (SPARQL 1.1 Query, section 16.4, leaves the description to the service),
yet both are left out of the loops, since the systems would not do the same work."""

from __future__ import annotations

from dataclasses import asdict

from tests.bench.scripts import bench_module

NINE = b"".join(b"<http://e/s> <http://e/p> <http://e/o%d> .\n" % n for n in range(9))
MORE = NINE + b"<http://e/x> <http://e/p> <http://e/s> .\n"


def _query(name: str, form: str):
    return bench_module("querymix").BenchQuery(name, f"{form} ...", form, False, None, False)


def _checked(queries, reference_body: bytes, body: bytes):
    measure, answers = bench_module("measure"), bench_module("answers")
    reference = measure.SystemRun("oxigraph-mem", "seed", 10)
    other = measure.SystemRun("cmikg", "seed", 10)
    for query in queries:
        measure._compare(reference, query, answers.parse(200, "application/n-triples", reference_body, query), None)
        measure._compare(other, query, answers.parse(200, "application/n-triples", body, query), reference.answers)
    return reference, other


def test_a_describe_unlike_the_reference_is_reported_apart_and_left_out_of_the_mix() -> None:
    describe, construct = _query("bench/describe", "DESCRIBE"), _query("bench/construct", "CONSTRUCT")
    reference, other = _checked([describe, construct], NINE, MORE)
    assert set(other.chosen) == {"bench/describe"}
    assert set(other.differences) == {"bench/construct"}
    assert bench_module("measure").common_mix([describe, construct], [reference, other]) == []

    section = bench_module("report")._correctness(
        {"runs": [asdict(reference), asdict(other)], "mixes": {"seed": []}, "queries": [describe.name, construct.name]}
    )
    failures = [line for line in section.splitlines() if "**FAILURE**" in line]
    assert len(failures) == 1 and "`bench/construct`" in failures[0]
    assert "- cmikg at seed, `bench/describe`: 10 triples instead of 9" in section
    assert "left out: `bench/describe`, `bench/construct`" in section


def test_a_describe_that_fails_is_still_a_failure() -> None:
    measure, answers = bench_module("measure"), bench_module("answers")
    describe = _query("bench/describe", "DESCRIBE")
    reference, _ = _checked([describe], NINE, NINE)
    broken = measure.SystemRun("cmikg", "seed", 10)
    measure._compare(broken, describe, answers.parse(503, "text/plain", b"busy", describe), reference.answers)
    assert "bench/describe" in broken.differences and not broken.chosen


def test_the_report_names_the_command_that_was_run() -> None:
    run = bench_module("run")
    plan = run.make_plan(run.parse_args(["--quick", "--sizes", "seed", "1m", "--max-minutes", "60"]))
    assert plan.command == "python bench/run.py --quick --sizes seed 1m --max-minutes 60"
    header = bench_module("report")._header({"plan": asdict(plan), "started": 0.0, "finished": 60.0, "queries": ["q"]})
    assert "`python bench/run.py --quick --sizes seed 1m --max-minutes 60`" in header


def test_a_message_naming_a_file_in_the_checkout_names_it_inside_the_project() -> None:
    report = bench_module("report")
    root = report._PROJECT
    message = f"Corruption: block checksum mismatch in {root}/bench/data/cmikg-store-10m/000018.sst offset 3"
    assert report.without_local_paths(message) == (
        "Corruption: block checksum mismatch in bench/data/cmikg-store-10m/000018.sst offset 3"
    )
    assert str(root) not in report.without_local_paths(f"see {root}/bench/RESULTS.md and {root}/README.md")

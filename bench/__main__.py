"""The benchmarks of issue 7 (docs/performance.md).

- ``python -m bench generate --devices N`` fills the current database (``DATABASE_URL``);
- ``python -m bench measure``: follow-up and rent against hand-written SQL;
- ``python -m bench http``: order placement and pages over HTTP, beside pgbench;
- ``python -m bench import --rows N``: the bulk historical import beside a raw COPY;
- ``python -m bench profile``: where a request's time goes (pyinstrument, in process);
- ``python -m bench suite``: all of it at 10 000, 100 000 and 1 000 000 devices, each in a
  fresh database on the server of ``BENCH_DATABASE_URL``, into one result file.

Each writes its figures to ``bench/results/``, or only to ``--json-out`` when given.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
from pathlib import Path
from typing import Any

DEFAULT_BENCH_URL = "postgres://postgres@127.0.0.1:5432/hjalpmedel_bench"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="fill the current database with a data set")
    gen.add_argument("--devices", type=int, required=True)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--principals", type=int, default=300, help="principals in all")
    sub.add_parser("measure", help="time the application against hand-written SQL")
    web = sub.add_parser("http", help="order placement and pages over HTTP beside pgbench")
    web.add_argument("--workers", type=int, default=None, help="gunicorn workers (2 x cores + 1)")
    web.add_argument("--duration", type=float, default=20.0, help="seconds measured per level")
    web.add_argument("--warmup", type=float, default=3.0)
    imp = sub.add_parser("import", help="time the bulk historical import beside a raw COPY")
    imp.add_argument("--rows", type=int, default=1_000_000)
    imp.add_argument("--seed", type=int, default=1)
    prof = sub.add_parser("profile", help="where a request's time goes (pyinstrument)")
    prof.add_argument("--orders", type=int, default=40, help="whole orders profiled")
    prof.add_argument("--visits", type=int, default=15, help="visits of each page profiled")
    prof.add_argument("--out", type=Path, default=None, help="the markdown file to write")
    suite = sub.add_parser("suite", help="every figure at every size, one result file")
    suite.add_argument("--sizes", default="10000,100000,1000000", help="devices, comma separated")
    suite.add_argument("--import-rows", type=int, default=1_000_000)
    suite.add_argument("--duration", type=float, default=15.0, help="HTTP seconds per level")
    for p in (gen, web, imp, sub.choices["measure"]):
        p.add_argument("--json-out", type=Path, default=None, help="also write the figures here")
    return parser


def _suite(args: argparse.Namespace) -> int:
    from bench import results, suite

    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_BENCH_URL)
    figures = suite.run(
        base_url=base,
        sizes=tuple(int(n) for n in args.sizes.split(",") if n.strip()),
        import_rows=args.import_rows,
        duration=args.duration,
    )
    json_path, md_path = results.write_suite(figures)
    print(md_path.read_text())
    print(f"written: {json_path} {md_path}")
    return 0


def _out(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(figures, indent=2, default=str) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "suite":
        # Needs no Django: each step is its own process on its own database.
        return _suite(args)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench import generate, measure, results

    call_command("migrate", verbosity=0)
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    if args.command == "generate":
        try:
            result = generate.generate(
                args.devices, seed=args.seed, echo=print, principals=args.principals
            )
        except generate.GenerateError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(result.report())
        _out(
            args,
            {
                "devices": result.devices,
                "seconds": round(result.seconds, 1),
                "rows": {t.name: t.written for t in result.tables},
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            },
        )
        return 0
    if args.command == "import":
        from bench import importing

        figures = {"historical_import": importing.run(args.rows, seed=args.seed, echo=print)}
        print(json.dumps(figures, indent=2, default=str))
        _out(args, figures["historical_import"])
        return 0
    if args.command == "profile":
        from bench import http, profile

        try:
            prof = profile.run(orders=args.orders, visits=args.visits)
        except http.LoadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        out = profile.write(prof, "python -m bench " + " ".join(sys.argv[1:]), args.out)
        print(json.dumps(prof["operations"], indent=2))
        print(f"written: {out}")
        return 0
    if args.command == "http":
        from bench import http

        try:
            figures = {
                "http": http.run(workers=args.workers, duration=args.duration, warmup=args.warmup)
            }
        except http.LoadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    else:
        figures = measure.measure()
    run = {"started_at": started_at, "environment": results.environment(), **figures}
    if args.json_out is not None:
        _out(args, run)  # a step of the suite, which writes the one result file
        return 0
    json_path, md_path = results.write(run)
    print(md_path.read_text())
    print(f"written: {json_path} {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

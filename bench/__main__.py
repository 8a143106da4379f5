"""``python -m bench generate --devices N [--seed S]`` and ``python -m bench measure``."""

from __future__ import annotations

import argparse
import datetime
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
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
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench import generate, measure, results

    call_command("migrate", verbosity=0)
    if args.command == "generate":
        try:
            result = generate.generate(
                args.devices, seed=args.seed, echo=print, principals=args.principals
            )
        except generate.GenerateError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(result.report())
        return 0
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    if args.command == "http":
        from bench import http

        try:
            figures = {
                "http": http.run(workers=args.workers, duration=args.duration, warmup=args.warmup)
            }
        except http.LoadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        run = {"started_at": started_at, "environment": results.environment(), **figures}
        json_path, md_path = results.write(run)
        print(md_path.read_text())
        print(f"written: {json_path} {md_path}")
        return 0
    figures = measure.measure()
    run = {"started_at": started_at, "environment": results.environment(), **figures}
    json_path, md_path = results.write(run)
    print(md_path.read_text())
    print(f"written: {json_path} {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the suite's benchmarks against a throwaway database built by scripts/bench.sh.

Each ``benchmarks/bench_<name>.py`` defines ``run(bench)``; ``bench`` gives the
registry of the database, cursors that commit, a timer, and ``report`` which
prints a figure next to its baseline measured in the same run, as a ratio.
Figures are never compared with fixed times: machines differ, ratios travel.
"""

import argparse
import importlib.util
import sys
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


class Bench:
    def __init__(self, registry, name):
        self.registry = registry
        self.name = name
        self.results = []

    @contextmanager
    def env(self, uid=None, context=None):
        """An environment on a new cursor, committed on success."""
        import odoo  # noqa: PLC0415

        with self.registry.cursor() as cr:
            yield odoo.api.Environment(cr, uid or odoo.SUPERUSER_ID, context or {})

    @staticmethod
    def timed(func, *args, **kwargs):
        """(seconds, result) of one call."""
        start = time.perf_counter()
        result = func(*args, **kwargs)
        return time.perf_counter() - start, result

    def report(self, label, count, seconds, baseline_label, baseline_count, baseline_seconds, target=None):
        """Print throughput of a measurement and of its baseline, and their ratio."""
        rate = count / seconds if seconds else float("inf")
        base_rate = baseline_count / baseline_seconds if baseline_seconds else float("inf")
        ratio = rate / base_rate if base_rate else float("inf")
        verdict = ""
        if target is not None:
            verdict = f"  (target ≥ {target}×: {'met' if ratio >= target else 'NOT met'})"
        print(f"[{self.name}] {label}: {count} in {seconds:.3f}s = {rate:,.1f}/s")
        print(f"[{self.name}] {baseline_label}: {baseline_count} in {baseline_seconds:.3f}s = {base_rate:,.1f}/s")
        print(f"[{self.name}] ratio {label} / {baseline_label} = {ratio:.2f}×{verdict}")
        self.results.append((label, ratio, target))
        return ratio

    def note(self, text):
        print(f"[{self.name}] {text}")


def load_odoo(database, addons_path, data_dir):
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(
        [
            "-c",
            str(REPO / "odoo.conf"),
            f"--addons-path={addons_path}",
            f"--data-dir={data_dir}",
            f"--database={database}",
            "--log-level=warn",
        ]
    )
    return odoo.modules.registry.Registry(database)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    registry = load_odoo(args.database, args.addons_path, args.data_dir)
    sys.path.insert(0, str(HERE))  # the benchmarks import common.py as ``common``
    files = sorted(HERE.glob("bench_*.py"))
    if args.names:
        files = [f for f in files if f.stem.removeprefix("bench_") in args.names]
    missed = []
    for path in files:
        name = path.stem.removeprefix("bench_")
        spec = importlib.util.spec_from_file_location(f"city_bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        bench = Bench(registry, name)
        print(f"== {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}")
        module.run(bench)
        missed += [(name, label, ratio, target) for label, ratio, target in bench.results if target and ratio < target]
    for name, label, ratio, target in missed:
        print(f"!! {name}: {label} is {ratio:.2f}×, below its target of {target}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Draws a benchmark's chart from its JSON: audio-seconds per second and p95 latency against the number of
clients, one line per system. Usage: chart.py RESULTS.json OUT.png (run by bench.ts in .cache/bench-venv)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt  # noqa: E402


def main(results_file: str, png_file: str) -> None:
    with open(results_file, encoding="utf-8") as f:
        results = json.load(f)
    systems = [s["name"] for s in results["systems"]]
    audio = "input" if results["audioCounted"] == "input" else "output"
    figure, (throughput, latency) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for system in systems:
        rows = sorted((r for r in results["rows"] if r["system"] == system), key=lambda r: r["concurrency"])
        clients = [r["concurrency"] for r in rows]
        throughput.plot(clients, [r["audioSecondsPerSecond"] for r in rows], marker="o", label=system)
        p95 = [r["latencyMs"]["p95"] / 1000 if r["latencyMs"] else float("nan") for r in rows]
        latency.plot(clients, p95, marker="o", label=system)
    for axes, title, unit in (
        (throughput, "Throughput", f"{audio} audio-seconds per second"),
        (latency, "p95 latency", "seconds"),
    ):
        axes.set_xscale("log", base=2)
        axes.set_xticks(results["concurrencies"], [str(c) for c in results["concurrencies"]])
        axes.set_xlabel("concurrent clients")
        axes.set_ylabel(unit)
        axes.set_title(title)
        axes.set_ylim(bottom=0)
        axes.grid(True, alpha=0.3)
        axes.legend()
    figure.suptitle(f"{results['scenario']} ({results['machine']['cores']} cores, {results['generated'][:10]}, commit {results['commit']})")
    figure.savefig(png_file, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

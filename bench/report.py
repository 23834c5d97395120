"""Summaries: median, min and max per measurement, ratios to the ceiling, table and JSON."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

# Targets from the performance goals (SQLite, concurrency 32): ratio to the ceiling, or limits.
RATIO_TARGETS = {
    "listing": 0.5,
    "event": 0.5,
    "listing_da": 0.5,
    "api_events": 0.5,
    "event_da": 0.5,
    "feed_304": 0.5,
    "registration_post": 0.15,
}


def spread(values: list[float]) -> dict:
    """Median, min and max of a list of numbers."""
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def http_records(backend: str, rounds: dict) -> list[dict]:
    """One record per (endpoint, concurrency), with the ratio to the same run's ceiling.

    The ceiling is the bare app's best round, not its median: on a shared machine it
    sometimes runs at a quarter of its speed for a whole round, which would inflate every
    ratio of that run. An endpoint's own figure is its median.
    """
    records = []
    for concurrency, by_name in sorted(rounds.items()):
        ceiling = max(r.rps for r in by_name["ceiling"])
        for name, results in by_name.items():
            rps = spread([r.rps for r in results])
            record = {
                "backend": backend,
                "kind": "http",
                "name": name,
                "concurrency": concurrency,
                "rounds": len(results),
                "rps": rps,
                "p50_ms": spread([r.p50_ms for r in results]),
                "p99_ms": spread([r.p99_ms for r in results]),
                "errors": sum(r.errors for r in results),
                "requests": sum(r.requests for r in results),
                "ratio_to_ceiling": round(rps["median"] / ceiling, 3) if ceiling else None,
            }
            extras = [r.extra for r in results if r.extra]
            if extras:
                record["extra"] = {
                    key: sum(e.get(key, 0) for e in extras) for key in extras[0] if key
                }
            if name == "registration_post" and by_name.get("ceiling_insert"):
                insert = max(r.rps for r in by_name["ceiling_insert"])
                record["ratio_to_insert_ceiling"] = round(rps["median"] / insert, 3)
            target = RATIO_TARGETS.get(name)
            if target and concurrency == 32:
                record["target_ratio"] = target
            records.append(record)
    return records


def _http_line(r: dict) -> str:
    ratio = "" if r["name"] == "ceiling" else f"{r['ratio_to_ceiling']:.2f}"
    target = f" (>= {r['target_ratio']})" if "target_ratio" in r else ""
    if "ratio_to_insert_ceiling" in r:
        target += f", {r['ratio_to_insert_ceiling']:.2f} of ceiling_insert"
    return (
        f"{r['backend']:<8} {r['name']:<18} c={r['concurrency']:<3} "
        f"{r['rps']['median']:>8.0f} [{r['rps']['min']:.0f}-{r['rps']['max']:.0f}] req/s  "
        f"p50 {r['p50_ms']['median']:6.1f} ms  p99 {r['p99_ms']['median']:7.1f} ms  "
        f"err {r['errors']:<3} ratio {ratio}{target}"
    )


def _other_line(r: dict) -> str:
    parts = [f"{r['backend']:<8} {r['name']:<30}"]
    for key, value in r.items():
        if isinstance(value, dict) and "median" in value:
            parts.append(f"{key} {value['median']:g} [{value['min']:g}-{value['max']:g}]")
        elif key in (
            "confirmed",
            "waitlisted",
            "errors",
            "attempts",
            "capacity",
            "accepted",
            "stored",
        ):
            parts.append(f"{key} {value}")
    return "  ".join(parts)


def table(records: list[dict], skipped: list[dict]) -> str:
    """A plain-text table of all records."""
    lines = [_http_line(r) for r in records if r["kind"] == "http"]
    lines += [_other_line(r) for r in records if r["kind"] != "http"]
    lines += [f"{s['backend']:<8} {s['name']:<18} skipped: {s['reason']}" for s in skipped]
    return "\n".join(lines)


def markdown_table(records: list[dict]) -> str:
    """The HTTP records as a Markdown table (for the README's performance section)."""
    rows = [
        "| backend | endpoint | c | req/s median [min–max] | p50 ms | p99 ms | errors | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        if r["kind"] != "http":
            continue
        ratio = "1" if r["name"] == "ceiling" else f"{r['ratio_to_ceiling']:.2f}"
        if "ratio_to_insert_ceiling" in r:
            ratio += f" ({r['ratio_to_insert_ceiling']:.2f} of ceiling_insert)"
        rows.append(
            f"| {r['backend']} | {r['name']} | {r['concurrency']} | "
            f"{r['rps']['median']:.0f} [{r['rps']['min']:.0f}–{r['rps']['max']:.0f}] | "
            f"{r['p50_ms']['median']:.1f} | {r['p99_ms']['median']:.1f} | {r['errors']} | {ratio} |"
        )
    return "\n".join(rows)


def _offline_row(r: dict) -> str:
    def fig(key: str, fmt: str) -> str:
        return format(r[key]["median"], fmt) if key in r else ""

    limits = []
    if "limit_seconds" in r:
        limits.append(f"< {r['limit_seconds']:g} s")
    if "limit_peak_rss_mb" in r:
        limits.append(f"< {r['limit_peak_rss_mb']} MB")
    if "limit_per_second" in r:
        limits.append(f">= {r['limit_per_second']}/s")
    return (
        f"| {r['backend']} | {r['name']} | {fig('seconds', '.3f')} "
        f"[{r['seconds']['min']:.3f}–{r['seconds']['max']:.3f}] | {fig('cpu_seconds', '.3f')} | "
        f"{fig('peak_rss_mb', '.0f')} | {fig('per_second', '.0f')} | {', '.join(limits)} |"
    )


def markdown(document: dict) -> str:
    """The whole results document as Markdown tables (HTTP, offline, rush)."""
    records = document["records"]
    config = document["config"]
    parts = [
        f"Run of {document['generated_at']} ({document['mode']}), "
        f"{document['machine']['cpus']} CPUs, Python {document['machine']['python']}; "
        f"{config['server']}; load generator {config['loadgen']}; "
        f"{config['rounds']} rounds of {config['duration_s']:g} s per endpoint and concurrency; "
        f"load average {document['machine'].get('loadavg_start', ['?'])[0]} at the start, "
        f"{document['machine'].get('loadavg_end', ['?'])[0]} at the end.",
        "",
        markdown_table(records),
        "",
        "| backend | offline job | seconds median [min–max] | CPU s | peak RSS MB | per s | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    parts += [_offline_row(r) for r in records if r["kind"] == "offline"]
    rush = [r for r in records if r["kind"] == "rush"]
    if rush:
        parts += [
            "",
            "| backend | rush attempts | seats | confirmed | waitlisted | errors | drain s |",
            "|---|---|---|---|---|---|---|",
        ]
        parts += [
            f"| {r['backend']} | {r['attempts']} | {r['capacity']} | {r['confirmed']} | "
            f"{r['waitlisted']} | {r['errors']} | {r['drain_s']['median']:.2f} |"
            for r in rush
        ]
    skipped = document.get("skipped", [])
    if skipped:
        parts += ["", "Not measured:"]
        parts += [f"- {s['backend']} {s['name']}: {s['reason']}" for s in skipped]
    return "\n".join(parts)


def write(path: Path, document: dict) -> None:
    """Write the results document as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


if __name__ == "__main__":
    import sys

    source = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results/latest.json"
    )
    print(markdown(json.loads(source.read_text())))

#!/usr/bin/env python3
"""Tables for `make bench-http` from its raw output file (bench/results/http-*.txt).

Reads the `RUN section=... key=value ...` lines that bench/http.sh prints for each
Stele run, and the peers' RESULT TABLE (../shared/bench/peers/run.sh) from the same
file, and prints: every Stele point (medians over runs), then one summary table
(figure, Stele, peer, ratio, target, met?).

    python3 bench/report.py bench/results/http-YYYYMMDD-HHMMSS.txt
"""
import re
import statistics
import sys
from collections import OrderedDict


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def parse(path):
    runs = OrderedDict()   # (section, level, conns) -> [dict]
    peers = []             # dicts: section system config conc ops p50 p99 note
    load = []
    in_peer_table = False
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("RUN "):
            fields = dict(part.split("=", 1) for part in line[4:].split() if "=" in part)
            key = (fields.get("section"), fields.get("level"), int(fields.get("conns", 0)))
            runs.setdefault(key, []).append(fields)
            continue
        m = re.search(r"load (\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\]", line)
        if m:
            load.append(float(m.group(1)))
        if "RESULT TABLE" in line and line.startswith("==="):
            in_peer_table = True
            continue
        if in_peer_table:
            if line.startswith("raw output") or line.startswith("==="):
                in_peer_table = False
                continue
            cols = re.split(r"\s{2,}", line.strip())
            if len(cols) >= 7 and cols[0] in ("disk", "http", "redis", "pg", "nats", "server"):
                peers.append(dict(section=cols[0], system=cols[1], config=cols[2], conc=num(cols[3]),
                                  ops=num(cols[4].split()[0]), p50=num(cols[5]), p99=num(cols[6]),
                                  note=cols[7] if len(cols) > 7 else ""))
    return runs, peers, load


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def stele(runs, section, level, conns, field="rps"):
    rows = runs.get((section, level, conns))
    if not rows:
        return None
    return med([num(r.get(field)) for r in rows])


def peer(peers, section, config_prefix, conc=None, field="ops"):
    for p in peers:
        if p["section"] == section and p["config"].startswith(config_prefix) and (conc is None or p["conc"] == conc):
            return p[field]
    return None


def fmt(value, unit=""):
    if value is None:
        return "-"
    if unit == "us":
        return f"{value / 1000:.2f} ms" if value >= 1000 else f"{value:.0f} us"
    if unit == "kB":
        return f"{value / 1024:.1f} MiB"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:,.0f}"


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(out)


def main(path):
    runs, peers, load = parse(path)

    # ---- every Stele point
    detail = []
    for (section, level, conns), rows in runs.items():
        if section in ("append", "append-ceiling", "batch", "read"):
            rps = [num(r.get("rps")) for r in rows]
            errors = sum(int(num(r.get(k)) or 0) for r in rows for k in ("sockerr", "timeouts"))
            non2xx = sum(int(num(r.get("non2xx")) or 0) for r in rows)
            unexpected = sum(int(num(r.get("unexpected")) or 0) for r in rows)
            stalls = sum(1 for r in rows if r.get("stall") == "1")
            died = sum(1 for r in rows if r.get("server_died") == "1")
            extra = []
            if section == "append":
                spr = med([num(r.get("syncs_per_rec")) for r in rows])
                if spr is not None:
                    extra.append(f"{spr:.3f} syncs/rec")
                peak = med([num(r.get("peak_rss_kb")) for r in rows])
                if peak:
                    extra.append(f"peak RSS {fmt(peak, 'kB')}")
            if section == "batch":
                extra.append(f"{fmt(med([num(r.get('records_per_s')) for r in rows]))} records/s")
            if stalls:
                extra.append(f"STALL in {stalls} run(s)")
            if died:
                extra.append(f"SERVER DIED in {died} run(s)")
            detail.append([section, level, conns, len(rows), fmt(med(rps)),
                           " ".join(fmt(v) for v in rps) if len(rps) > 1 else "",
                           fmt(stele(runs, section, level, conns, "p50_us"), "us"),
                           fmt(stele(runs, section, level, conns, "p99_us"), "us"),
                           non2xx, unexpected, errors,
                           "/".join(r.get("cpu_busy_before", "-") for r in rows), "; ".join(extra)])
    if detail:
        print("\nStele over HTTP: medians over runs (req/s; p50/p99 = median of the runs' wrk percentiles; "
              "busy% before = CPU use of the whole machine in the 0.5 s before each run, i.e. other work)")
        print(table(["section", "level", "conns", "runs", "req/s", "each run", "p50", "p99", "non2xx", "not 201/200",
                     "sock err+timeouts", "busy% before", "notes"], detail))
    for (section, level, conns), rows in runs.items():
        if section == "fanout":
            r = rows[0]
            print(f"\nlong-poll fan-out ({conns} readers, {level}): median over {r.get('ok_rounds')}/{r.get('rounds')} good rounds: "
                  f"last reader {fmt(num(r.get('median_last_us')), 'us')}, p50 reader {fmt(num(r.get('median_p50_us')), 'us')}, "
                  f"range of last {fmt(num(r.get('min_last_us')), 'us')} .. {fmt(num(r.get('max_last_us')), 'us')}, "
                  f"readers without their record: {r.get('bad_readers')}")
        if section == "memory":
            print(f"\nmemory ({len(rows)} runs): idle {', '.join(fmt(num(r.get('idle_rss_kb')), 'kB') for r in rows)}; "
                  f"with {conns} idle connections {', '.join(fmt(num(r.get('conns_rss_kb')), 'kB') for r in rows)} "
                  f"(ok {', '.join(r.get('ok', '-') for r in rows)}, failed {', '.join(r.get('failed', '-') for r in rows)}, "
                  f"closed by server {', '.join(r.get('closed_by_server', '-') for r in rows)})")
        if section == "idle-load":
            print(f"\nappends at {conns} connections ({level}) beside {rows[0].get('idle_conns')} idle connections: "
                  f"{fmt(med([num(r.get('rps')) for r in rows]))} req/s "
                  f"(each run {', '.join(fmt(num(r.get('rps'))) for r in rows)}), "
                  f"p50 {fmt(stele(runs, section, level, conns, 'p50_us'), 'us')}, p99 {fmt(stele(runs, section, level, conns, 'p99_us'), 'us')}, "
                  f"non-2xx {sum(num(r.get('non2xx')) or 0 for r in rows):.0f}")

    # ---- summary against peers and targets
    summary = []

    def add(figure, value, peer_value, kind, target, unit="/s", peer_label=""):
        """kind: 'ratio' (value / peer >= target), 'max' (value < target), or None (information only)."""
        ratio = value / peer_value if value is not None and peer_value else None
        if kind == "ratio":
            met = "-" if ratio is None else ("yes" if ratio >= target else "NO")
            target_text = f">= {target:g}x"
        elif kind == "max":
            met = "-" if value is None else ("yes" if value < target else "NO")
            target_text = f"< {fmt(target, unit)}"
        else:
            met, target_text = "", "(info)"
        summary.append([figure, fmt(value, unit),
                        (fmt(peer_value, unit) + (f" {peer_label}" if peer_label else "")) if peer_value is not None else "-",
                        f"{ratio:.2f}x" if ratio is not None else "-", target_text, met])

    add("append immediate@1 req/s vs Redis XADD@1", stele(runs, "append", "immediate", 1),
        peer(peers, "redis", "XADD", 1), "ratio", 1.2)
    # the ceilings: bare libmicrohttpd (bench/mhd_fanout.c), no journal and no JSON, in the same run
    ceiling = stele(runs, "append-ceiling", "mhd-inline", 1)
    add("  bare libmicrohttpd, fdatasync inline on its polling thread @1 vs Redis XADD@1", ceiling,
        peer(peers, "redis", "XADD", 1), None, 0)
    add("  append immediate@1 vs that bare libmicrohttpd", stele(runs, "append", "immediate", 1), ceiling, None, 0)
    add("append group@64 req/s vs Redis XADD@64", stele(runs, "append", "group", 64),
        peer(peers, "redis", "XADD", 64), "ratio", 1.5)
    add("append group@64 req/s vs PostgreSQL INSERT@64", stele(runs, "append", "group", 64),
        peer(peers, "pg", "INSERT", 64), "ratio", 3)
    add("read 100 recs @16 req/s vs Redis XRANGE COUNT 100@16", stele(runs, "read", "group", 16),
        peer(peers, "redis", "XRANGE", 16), "ratio", 1)
    add("append group@64 p99 (peer: Redis XADD@64 p99)", stele(runs, "append", "group", 64, "p99_us"),
        peer(peers, "redis", "XADD", 64, "p99"), "max", 2000, "us")
    def first(section):
        """The runs of the first point of `section` (these sections have one point), or None."""
        return next((v for k, v in runs.items() if k[0] == section), None)

    fan = first("fanout")
    fan_ceiling = first("fanout-ceiling")
    add("long-poll fan-out to 1,000 readers, last reader (peer: bare libmicrohttpd)",
        num(fan[0].get("median_last_us")) if fan else None,
        num(fan_ceiling[0].get("median_last_us")) if fan_ceiling else None, "max", 5000, "us")
    mem = first("memory")
    add("RSS idle after start", med([num(r.get("idle_rss_kb")) for r in mem]) if mem else None, None, "max", 30 * 1024, "kB")
    for level in ("immediate", "group"):
        add(f"RSS peak, append {level}@256", stele(runs, "append", level, 256, "peak_rss_kb"), None, "max", 100 * 1024, "kB")
    # memory kept per appended record: (RSS after the run - RSS at start) / records appended
    idle_default = med([num(r.get("idle_rss_kb")) for r in mem]) if mem else None
    for level in ("immediate", "group"):
        per = []
        for r in runs.get(("append", level, 256), []):
            start = num(r.get("start_rss_kb")) or idle_default
            after, appended = num(r.get("rss_after_kb")), num(r.get("appended"))
            if start and after and appended:
                per.append((after - start) * 1024 / appended)
        add(f"RSS growth per appended record, {level}@256 (bytes)", med(per), None, None, 0, "")
    add("RSS with 10k idle connections", med([num(r.get("conns_rss_kb")) for r in mem]) if mem else None,
        None, "max", 100 * 1024, "kB")
    errors = 0
    for (section, _, _), rows in runs.items():
        for r in rows:
            errors += sum(int(num(r.get(k)) or 0) for k in ("non2xx", "unexpected", "sockerr", "timeouts", "server_died"))
    add("non-2xx + other status + socket errors + server deaths", errors if runs else None, None, "max", 1, "")
    # beside them: the disk, and the other peers' points
    add("append immediate@1 vs disk write+fdatasync (file grows)", stele(runs, "append", "immediate", 1),
        peer(peers, "disk", "256B append"), None, 0)
    add("append immediate@1 vs disk write+fdatasync (prealloc)", stele(runs, "append", "immediate", 1),
        peer(peers, "disk", "256B preallocated"), None, 0)
    add("batch group@16 records/s vs disk 64 recs x256B per sync",
        stele(runs, "batch", "group", 16, "records_per_s"), peer(peers, "disk", "64 recs"), None, 0)
    for level in ("immediate", "group"):
        for c in (1, 16, 64, 256):
            if level == "group" and c == 64 or level == "immediate" and c == 1:
                continue
            add(f"append {level}@{c} req/s vs Redis XADD@{c}", stele(runs, "append", level, c),
                peer(peers, "redis", "XADD", c), None, 0)
    add("read 100 recs @1 req/s vs Redis XRANGE@1", stele(runs, "read", "group", 1),
        peer(peers, "redis", "XRANGE", 1), None, 0)
    add("read 100 recs @16 req/s vs PostgreSQL SELECT 100@16", stele(runs, "read", "group", 16),
        peer(peers, "pg", "SELECT", 16), None, 0)
    add("append group@16 req/s vs PostgreSQL INSERT@16", stele(runs, "append", "group", 16),
        peer(peers, "pg", "INSERT", 16), None, 0)

    print(f"\nSUMMARY  (Stele: median of runs; peers: one run each, same invocation; "
          f"load average at section starts: {', '.join(f'{v:.2f}' for v in load) or '-'})")
    print(table(["figure", "Stele", "peer", "ratio", "target", "met?"], summary))
    if not peers:
        print("(no peers' table in this file: run with PEERS=1 for the peer columns)")


if __name__ == "__main__":
    main(sys.argv[1])

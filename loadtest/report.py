"""Writes loadtest/results/<date>-<host>.md (and .json, and PNG plots) from a finished Suite."""
import datetime
import json
import os
import platform
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd):
    try:
        out = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception:
        return "unknown"


def fmt_us(v):
    return "–" if v is None else (f"{v / 1000:.2f} ms" if v >= 10000 else f"{v:.0f} µs")


def steal(suite):
    """Steal share per core since the run began: on a VM, a core the host takes away looks like a slow proxy."""
    if not getattr(suite, "stat0", None):
        return "unknown"
    parts = []
    for cpu, (total, st) in sorted(suite.cpu_stat().items()):
        t0, s0 = suite.stat0.get(cpu, (total, st))
        parts.append(f"{cpu} {100 * (st - s0) / max(1, total - t0):.1f} %")
    return ", ".join(parts)


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def write(suite):
    res, p = suite.results, suite.p
    sizes = p["sizes"]
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    stem = ("smoke-" if suite.smoke else "") + datetime.date.today().isoformat() + "-" + platform.node().split(".")[0]
    base = os.path.join(HERE, "results", stem)
    sat = lambda sc, size: res["saturation"].get(f"{sc}/{size}", {}).get("rps")
    lat = lambda sc, frac: res["latency"].get(f"{sc}/{frac}")
    plots = plot(suite, base)

    L = [f"# Sigcar load test{' (SMOKE: short runs, numbers are indicative only)' if suite.smoke else ''}", ""]
    if suite.problems:
        L += ["**This run had problems; the numbers below are incomplete:**", ""]
        L += [f"- {x}" for x in suite.problems] + [""]
    cpu_model = sh("lscpu | grep 'Model name' | sed 's/.*: *//'")
    L += ["## Conditions", "",
          f"- {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on `{platform.node()}`: "
          f"{cpu_model}, {os.cpu_count()} cores, "
          f"load average at the end {os.getloadavg()[0]:.2f}, kernel {platform.release()}",
          f"- CPU time the host gave to others (steal) over the run: {steal(suite)}",
          f"- {sh(suite.java + ' -version 2>&1 | sed -n 2p')}; Sigcar JVM flags: `{' '.join(suite.jvm_opts) or '(none)'}`",
          f"- Sigcar `{sh('git -C ' + HERE + ' describe --always --dirty')}`; {sh('nginx -v 2>&1')}; "
          f"{sh('haproxy -v | head -1')}; {sh('wrk -v 2>&1 | head -1')}",
          "- Proxies pinned to core 0 (`taskset`), load generators and the app (nginx returning `ok`) to core 1; "
          "loopback only",
          f"- Saturation: wrk, 1 thread, {32} keep-alive connections, {p['sat_s']} s per run (closed loop); "
          + (f"each point is the median of {p['sat_rounds']} runs, taken in {p['sat_rounds']} rounds through every "
             "point (the runs are listed under the saturation table). " if p.get("sat_rounds", 1) > 1 else "one run per point. ")
          + 
          f"Latency: `openloop.jar`, {32} connections, {p['lat_s']} s after {p['lat_warm']} s unmeasured, "
          "timed from each request's due time (coordinated omission corrected; see loadtest/README.md)",
          "- 0 B is a GET; other sizes are POSTs of random bytes. RFC 9421 runs require nonces: each request "
          "carries its own from a pool made by `sigcar sign --count`", ""]

    # goals: the fast-path issue's (throughput, CPU, latency) and the cold-start issue's (warm-up,
    # start-up, memory), in the default configuration (audit on, the image's JVM defaults)
    L += ["## Goals", "", "| goal | target | measured | met |", "|---|---|---|---|"]
    def goal(name, target, value, ok):
        L.append(f"| {name} | {target} | {value} | {'yes' if ok else ('no' if ok is not None else 'not measured')} |")
    ng1 = sat("nginx", 1024)
    a = sat("sigcar-github", 1024)
    goal("F1 sigcar-github ÷ nginx at 1 KiB", "≥ 0.8× (stretch 1.0×)", ratio(a, ng1), (a / ng1 >= 0.8) if a and ng1 else None)
    r9 = sat("sigcar-rfc9421-hmac", 1024)
    goal("F1 sigcar-rfc9421-hmac ÷ nginx at 1 KiB", "≥ 0.6×", ratio(r9, ng1), (r9 / ng1 >= 0.6) if r9 and ng1 else None)
    big = [(sz, sat("sigcar-github", sz), sat("nginx", sz)) for sz in (16384, 262144) if sz in sizes]
    if a and ng1 and big and all(x and n for _, x, n in big):
        goal("F1 sigcar-github ÷ nginx at 16 and 256 KiB", "no worse than at 1 KiB",
             ", ".join(f"{ratio(x, n)} at {sz // 1024} KiB" for sz, x, n in big),
             all(x / n >= a / ng1 for _, x, n in big))
    h = sat("haproxy-hmac", 1024)
    goal("F2 sigcar-github ÷ haproxy-hmac at 1 KiB", "≥ 1.5×", ratio(a, h), (a / h >= 1.5) if a and h else None)
    s50 = lat("sigcar-github", 50)
    goal("F3 CPU per 1k requests at 50 % load (github, 1 KiB)", "≤ 35 ms",
         f"{s50['cpu_ms_per_1k']:.0f} ms" if s50 else "–", (s50["cpu_ms_per_1k"] <= 35) if s50 else None)
    h50, d50 = res["equal_rate"].get("haproxy-hmac@sigcar-github"), res["equal_rate"].get("direct@sigcar-github")

    def invalid(*runs):
        """Why these open-model points cannot be compared: drops, or a generator that sent late (> 1 ms p99)."""
        why = [f"{name}: {r['dropped']:,.0f} dropped" if r["dropped"] else f"{name}: generator lag p99 {fmt_us(r['lag_p99_us'])}"
               for name, r in runs if r and (r["dropped"] or r["lag_p99_us"] > 1000)]
        return "not a valid point (" + "; ".join(why) + ")" if why else None
    bad = invalid(("sigcar", s50), ("haproxy", h50))
    goal("F4 p99 at 50 % of Sigcar's saturation vs HAProxy's at the same rate", "≤ 2×",
         bad or (f"{fmt_us(s50['p99_us'])} vs {fmt_us(h50['p99_us'])}" if s50 and h50 else "–"),
         None if bad else (s50["p99_us"] <= 2 * h50["p99_us"]) if s50 and h50 else None)
    bad = invalid(("sigcar", s50), ("direct", d50))
    goal("F4 added p50 vs direct at the same rate", "≤ 100 µs",
         bad or (f"{s50['p50_us'] - d50['p50_us']:.0f} µs" if s50 and d50 else "–"),
         None if bad else (s50["p50_us"] - d50["p50_us"] <= 100) if s50 and d50 else None)
    au = res.get("audit")
    goal("F5 the audit line's cost (sigcar-github 1 KiB, audit on vs off)", "≤ 10 % of throughput",
         f"{100 * au['cost']:.1f} % ({au['on_rps']:,.0f} against {au['off_rps']:,.0f} req/s, medians of "
         f"{len(au['on'])} interleaved runs)" if au and au.get("cost") is not None else "–",
         # A smoke run warms both Sigcars for seconds: its figure says the step works, not the cost.
         (au["cost"] <= 0.10) if au and au.get("cost") is not None and not suite.smoke else None)
    wu = res.get("warmup", {}).get("AOT cache")
    second2 = wu["rps"][1] if wu and len(wu["rps"]) > 1 else None
    goal("C1 the 2nd second from process start (AOT cache) ÷ warm nginx", "≥ 50 %",
         ratio(second2, ng1) if second2 is not None and ng1 else "–",
         (second2 / ng1 >= 0.5) if second2 is not None and ng1 else None)
    second5 = wu["rps"][4] if wu and len(wu["rps"]) > 4 else None
    goal("C1 the 5th second (AOT cache) ÷ Sigcar's own warm rate", "≥ 90 %",
         ratio(second5, a) if second5 is not None and a else "–",
         (second5 / a >= 0.9) if second5 is not None and a else None)
    st = res["startup"]
    goal("C2 start → first proxied 200 with the AOT cache (plain jar)", "≤ 400 ms",
         f"{statistics.median(st['aot_ms']):.0f} ms (without: {statistics.median(st['cold_ms']):.0f} ms)" if st else "–",
         statistics.median(st["aot_ms"]) <= 400 if st else None)
    r = res["rss_at_rate"].get("sigcar-github")
    goal(f"C3 Sigcar RSS at {p['rss_rate']} req/s"
         + (" (with the AOT cache)" if res.get("rss_aot") else " (without the AOT cache)"), "≤ 64 MiB",
         f"{r['rss_kib'] / 1024:.0f} MiB (achieved {r['achieved']:,.0f}/s)" if r else "–",
         (r["rss_kib"] / 1024 <= 64) if r else None)
    i = res["idle"].get("sigcar-github")
    goal("C3 memory for 10k idle connections", "≤ 40 MB",
         f"{i['per_10k_mib'] * 1.048576:.0f} MB" + (f" (measured with {i['n']}, scaled)" if i and i["n"] != 10000 else "")
         if i else "–", (i["per_10k_mib"] * 1.048576 <= 40) if i else None)
    L.append("")

    # classic table
    ls = p["lat_size"]
    L += [f"## Benchmark at {ls} B", "",
          "| scenario | saturation req/s | p50 / p99 / p99.9 at 50 % load | added p50 / p99 vs direct (same rate) "
          "| CPU per 1k req | RSS under load | RSS at " + f"{p['rss_rate']} req/s | per 10k idle conns |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for sc in res_scenarios(suite):
        s = res["saturation"].get(f"{sc}/{ls}", {})
        l50 = lat(sc, 50)
        d = res["equal_rate"].get(f"direct@{sc}")
        added = f"{l50['p50_us'] - d['p50_us']:+.0f} / {l50['p99_us'] - d['p99_us']:+.0f} µs" if l50 and d else "–"
        pct = (f"{fmt_us(l50['p50_us'])} / {fmt_us(l50['p99_us'])} / {fmt_us(l50['p999_us'])}" if l50 else "–")
        cpu = f"{l50['cpu_ms_per_1k']:.0f} ms" if l50 else "–"
        rss = f"{s['rss_kib'] / 1024:.0f} MiB" if s else "–"
        r5 = res["rss_at_rate"].get(sc)
        idle = res["idle"].get(sc)
        L.append(f"| {sc} | {s.get('rps', 0):,.0f} | {pct} | {added} | {cpu} | {rss} | "
                 f"{(str(round(r5['rss_kib'] / 1024)) + ' MiB') if r5 else '–'} | "
                 f"{(format(idle['per_10k_mib'], '.1f') + ' MiB') if idle else '–'} |")
    L += ["", "CPU per 1k req: CPU time of the proxy's processes (utime + stime from /proc/<pid>/stat) per 1000 "
          "requests at 50 % load; for `direct` it is the app itself. RSS from /proc/<pid>/status (VmRSS, nginx "
          "master + worker), peak of 100 ms samples. Idle: RSS delta after 10k connections each made one request "
          "and stayed open.", ""]

    # saturation by size
    L += ["## Saturation throughput (req/s, closed loop)", "",
          "| scenario | " + " | ".join(f"{s} B" for s in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for sc in res_scenarios(suite):
        L.append(f"| {sc} | " + " | ".join(f"{sat(sc, s):,.0f}" if sat(sc, s) else "–" for s in sizes) + " |")
    if p.get("sat_rounds", 1) > 1:
        L += ["", f"Each point is the median of these {p['sat_rounds']} runs (req/s, in round order):", "",
              "| scenario | " + " | ".join(f"{s} B" for s in sizes) + " |", "|---|" + "---:|" * len(sizes)]
        for sc in res_scenarios(suite):
            L.append(f"| {sc} | " + " | ".join(
                " / ".join(f"{x:,.0f}" for x in res["saturation"].get(f"{sc}/{s}", {}).get("rounds", [])) or "–"
                for s in sizes) + " |")
    L += ["", "Proxy CPU at saturation (cores) and CPU per 1k requests (of the median run):", "",
          "| scenario | " + " | ".join(f"{s} B" for s in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for sc in res_scenarios(suite):
        cells = []
        for s in sizes:
            r = res["saturation"].get(f"{sc}/{s}")
            cells.append(f"{r['cpu_core']:.2f} / {r['cpu_ms_per_1k']:.0f} ms" if r else "–")
        L.append(f"| {sc} | " + " | ".join(cells) + " |")
    L.append("")

    # ratios
    L += ["## Ratios (same run)", "", "| ratio | " + " | ".join(f"{s} B" for s in sizes) + " |",
          "|---|" + "---:|" * len(sizes)]
    for sc in [x for x in res_scenarios(suite) if x.startswith("sigcar")]:
        L.append(f"| {sc} ÷ direct | " + " | ".join(ratio(sat(sc, s), sat("direct", s)) for s in sizes) + " |")
        L.append(f"| {sc} ÷ nginx | " + " | ".join(ratio(sat(sc, s), sat("nginx", s)) for s in sizes) + " |")
    L.append("| sigcar-github ÷ haproxy-hmac | " + " | ".join(ratio(sat("sigcar-github", s), sat("haproxy-hmac", s))
                                                          for s in sizes) + " |")
    L.append("| sigcar-rfc9421-hmac ÷ haproxy-hmac | " + " | ".join(
        ratio(sat("sigcar-rfc9421-hmac", s), sat("haproxy-hmac", s)) for s in sizes) + " |")
    L.append("| sigcar-rfc9421-redis ÷ sigcar-rfc9421-hmac (shared replay store vs local) | " + " | ".join(
        ratio(sat("sigcar-rfc9421-redis", s), sat("sigcar-rfc9421-hmac", s)) for s in sizes) + " |")
    L.append("")

    # latency
    L += [f"## Latency at fixed arrival rates ({ls} B, open model, from the due time)", "",
          "| scenario | load | rate req/s | p50 | p99 | p99.9 | max | send lag p99 | dropped | CPU per 1k req |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for sc in res_scenarios(suite):
        for frac in (25, 50, 75):
            l = lat(sc, frac)
            if l:
                L.append(f"| {sc} | {frac} % | {l['rate']:,.0f} | {fmt_us(l['p50_us'])} | {fmt_us(l['p99_us'])} | "
                         f"{fmt_us(l['p999_us'])} | {fmt_us(l['max_us'])} | {fmt_us(l['lag_p99_us'])} | "
                         f"{l['dropped']:.0f} | {l['cpu_ms_per_1k']:.0f} ms |")
    if res["equal_rate"]:
        L += ["", "Reference runs at the same rate as a Sigcar scenario's 50 % (for added latency and P2):", "",
              "| run | rate | p50 | p99 | p99.9 |", "|---|---:|---:|---:|---:|"]
        for k, l in res["equal_rate"].items():
            L.append(f"| {k} | {l['rate']:,.0f} | {fmt_us(l['p50_us'])} | {fmt_us(l['p99_us'])} | {fmt_us(l['p999_us'])} |")
    L += ["", "Send lag: how late the generator sent (it counts in the latency, as it should; a large lag "
          "means the generator, not the proxy, was short of CPU). Dropped: requests due in the window that "
          "were not answered before it closed (the rate was more than the server served); percentiles "
          "then understate, so a run with drops is not a valid latency point.", ""]

    if st:
        L += ["## Start-up", "",
              f"Process start → first 200 proxied through a fresh Sigcar (median of {len(st['cold_ms'])}): "
              f"{statistics.median(st['cold_ms']):.0f} ms without the AOT cache, "
              f"{statistics.median(st['aot_ms']):.0f} ms with it (`-XX:AOTCache`, trained in this run with "
              f"`-XX:AOTCacheOutput` and `demo --train {p['train_s']}`, the image build's training run; cache {st['aot_cache_mib']:.0f} MiB). "
              f"All runs: {', '.join(f'{x:.0f}' for x in st['cold_ms'])} / {', '.join(f'{x:.0f}' for x in st['aot_ms'])} ms.", ""]
    wu = res.get("warmup")
    if wu:
        ng, own = sat("nginx", 1024), sat("sigcar-github", 1024)
        labels = list(wu)
        L += ["## Warm-up: a fresh Sigcar under load from its first second", "",
              f"sigcar-github, 1 KiB, a new process for each curve; wrk starts the moment the port accepts "
              f"and the app's own counter (nginx stub_status) is read every second from process start. "
              f"Warm references from this run's saturation phase: nginx {ng or 0:,.0f} req/s, "
              f"Sigcar {own or 0:,.0f} req/s.", "",
              "| second | " + " | ".join(f"{l} req/s | ÷ warm nginx | ÷ warm Sigcar" for l in labels) + " |",
              "|---:|" + "---:|---:|---:|" * len(labels)]
        n = max(len(c["rps"]) for c in wu.values())
        for k in range(n):
            cells = []
            for l in labels:
                v = wu[l]["rps"][k] if k < len(wu[l]["rps"]) else None
                cells += [f"{v:,}" if v is not None else "–", ratio(v, ng) if v is not None else "–",
                          ratio(v, own) if v is not None else "–"]
            L.append(f"| {k + 1} | " + " | ".join(cells) + " |")
        L += ["", "Listening after: " + ", ".join(f"{l} {c['listen_ms']:.0f} ms" for l, c in wu.items())
              + ". Second k is the window from k-1 to k seconds after the process was started.", ""]
    if res.get("jvm"):
        L += ["## JVM flag variants (sigcar-github, 1 KiB, fresh process each)", "",
              "| variant | saturation req/s | p99 (closed loop) | CPU per 1k req | RSS peak | first proxied 200 |",
              "|---|---:|---:|---:|---:|---:|"]
        for v in res["jvm"]:
            L.append(f"| {v['label']} | {v['rps']:,.0f} | {fmt_us(v['p99'])} | {v['cpu_ms_per_1k']:.0f} ms | "
                     f"{v['rss_kib'] / 1024:.0f} MiB | {v['start_ms']:.0f} ms |")
        L += ["", "Flags: " + "; ".join(f"`{v['opts']}`" for v in res["jvm"]), ""]
    if plots:
        L += ["## Plots", ""] + [f"![{t}]({os.path.basename(f)})" for t, f in plots] + [""]
    with open(base + ".md", "w") as f:
        f.write("\n".join(L) + "\n")
    with open(base + ".json", "w") as f:
        json.dump({"problems": suite.problems, "profile": p, **res}, f, indent=1, default=str)
    print("\n".join(L))
    return base + ".md"


def res_scenarios(suite):
    return suite.scenarios


def plot(suite, base):
    """Latency percentile curves per load level, and throughput by body size; returns (title, png)."""
    res, out = suite.results, []
    data_dir = suite.run
    for frac in (25, 50, 75):
        series = []
        for sc in res_scenarios(suite):
            l = res["latency"].get(f"{sc}/{frac}")
            if l and os.path.exists(l["hgrm"]):
                dat = os.path.join(data_dir, f"curve-{sc}-{frac}.dat")
                with open(l["hgrm"]) as src, open(dat, "w") as dst:
                    for line in src:
                        parts = line.split()
                        if len(parts) == 4 and parts[0][0].isdigit() and parts[3] != "inf":
                            dst.write(f"{parts[3]} {parts[0]}\n")
                series.append((sc, dat))
        if not series:
            continue
        png = f"{base}-latency-{frac}.png"
        cmds = ["set terminal pngcairo size 1000,600" if has_cairo() else "set terminal png size 1000,600",
                f"set output '{png}'", f"set title 'Latency by percentile at {frac}% of each scenario''s saturation rate (1 KiB, open model)'",
                "set logscale x", "set logscale y", "set xlabel 'percentile'", "set ylabel 'latency (µs)'",
                # tic labels are printf formats to gnuplot: %% is a literal percent sign
                "set xtics ('0%%' 1, '50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000)",
                "set key outside right", "set grid",
                "plot " + ", ".join(f"'{d}' using 1:2 with lines lw 2 title '{sc}'" for sc, d in series)]
        if gnuplot(cmds):
            out.append((f"latency at {frac}%", png))
    wu = res.get("warmup")
    if wu:
        dat = os.path.join(data_dir, "warmup.dat")
        labels = list(wu)
        n = max(len(c["rps"]) for c in wu.values())
        with open(dat, "w") as f:
            for k in range(n):
                f.write(f"{k + 1} " + " ".join(str(wu[l]["rps"][k]) if k < len(wu[l]["rps"]) else "?" for l in labels)
                        + "\n")
        ng = res["saturation"].get("nginx/1024", {}).get("rps", 0)
        own = res["saturation"].get("sigcar-github/1024", {}).get("rps", 0)
        png = f"{base}-warmup.png"
        lines = [f"'{dat}' using 1:{i + 2} with linespoints lw 2 title 'fresh Sigcar, {l}'" for i, l in enumerate(labels)]
        lines += [f"{ng} with lines dt 2 lw 2 title 'warm nginx proxy_pass'",
                  f"{own} with lines dt 3 lw 2 title 'warm Sigcar'"]
        cmds = ["set terminal pngcairo size 1000,600" if has_cairo() else "set terminal png size 1000,600",
                f"set output '{png}'", "set title 'Warm-up: req/s in 1-s windows from process start (github HMAC, 1 KiB)'",
                "set xlabel 'seconds since process start'", "set ylabel 'requests/s'", "set yrange [0:*]",
                "set key outside right", "set grid", "plot " + ", ".join(lines)]
        if gnuplot(cmds):
            out.append(("warm-up curve", png))
    sizes = suite.p["sizes"]
    if not res["saturation"]:
        return out
    dat = os.path.join(data_dir, "throughput.dat")
    scs = res_scenarios(suite)
    with open(dat, "w") as f:
        for s in sizes:
            f.write(f"{s}B " + " ".join(str(res['saturation'].get(f'{sc}/{s}', {}).get('rps', 0)) for sc in scs) + "\n")
    png = f"{base}-throughput.png"
    cmds = ["set terminal pngcairo size 1000,600" if has_cairo() else "set terminal png size 1000,600",
            f"set output '{png}'", "set title 'Saturation throughput by body size (closed loop)'",
            "set style data histograms", "set style histogram clustered gap 1", "set style fill solid 0.8 border -1",
            "set logscale y", "set yrange [10:*]", "set ylabel 'requests/s'", "set xlabel 'body size'", "set key outside right",
            "set grid ytics",
            "plot " + ", ".join(f"'{dat}' using {i + 2}:xtic(1) title '{sc}'" for i, sc in enumerate(scs))]
    if gnuplot(cmds):
        out.append(("throughput by body size", png))
    return out


_cairo = None


def has_cairo():
    global _cairo
    if _cairo is None:
        r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
        _cairo = "pngcairo" in (r.stdout + r.stderr)
    return _cairo


def gnuplot(cmds):
    r = subprocess.run(["gnuplot"], input="\n".join(cmds) + "\n", capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        print(f"gnuplot failed: {r.stderr.strip()[:300]}")
        return False
    return True

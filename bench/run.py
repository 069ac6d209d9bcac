#!/usr/bin/python3
"""Side-by-side benchmark: fetchsum against its peers and the machine's ceilings.

One command does everything: installs the peers' Debian packages, builds
fetchsum, starts a real nginx on 127.0.0.1 with the corpora of
../shared/bench/origin.sh, and runs on each corpus, with the same concurrency:

  fetchsum; curl --parallel + sha512sum; wget2 + sha512sum; aria2c + sha512sum;
  the Python asyncio + ProcessPool pipeline; and as ceilings wrk (requests/s
  against the same nginx) and sha512sum of the local files on all cores.

Each tool runs --runs times (median reported). Every output is checked against
sha512sum of the served files. Results go to stdout and, with --write, into
docs/benchmarks.md between the bench markers.

  bench/run.py                    # everything, 5 runs, writes docs/benchmarks.md
  bench/run.py --quick            # a seconds-long smoke: small corpus, 1 run
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("FETCHSUM_BENCH_SHARED",
                        os.path.join(os.path.dirname(REPO), "shared", "bench"))
FETCHSUM = os.path.join(REPO, "build", "fetchsum")
ORIGIN = os.path.join(REPO, "build", "fetchsum-origin")
PACKAGES = ["nginx-light", "curl", "wget2", "aria2", "wrk", "python3-aiohttp",
            "coreutils", "findutils"]
CORPUS_DIR = {"small": "s", "large": "l", "mixed": "m"}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def ensure_packages():
    missing = [p for p in PACKAGES
               if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p],
                                 capture_output=True, text=True).stdout
               != "install ok installed"]
    if missing:
        log("bench: installing", " ".join(missing))
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq"] + missing,
                       check=True, env=dict(os.environ,
                                            DEBIAN_FRONTEND="noninteractive"),
                       stdout=subprocess.DEVNULL)


def build():
    subprocess.run([os.path.join(REPO, "scripts", "setup.sh")], check=True,
                   stdout=subprocess.DEVNULL)


# -- measuring ---------------------------------------------------------------

class Run:
    def __init__(self, wall, cpu, rss_kb, lines):
        self.wall, self.cpu, self.rss_kb, self.lines = wall, cpu, rss_kb, lines


def timed(cmd, out_path):
    """Runs cmd under GNU time; returns wall s, CPU s (user+sys, children
    included), peak RSS of the largest process in KB."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t, \
            open(out_path, "w") as out:
        subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", t.name] + cmd,
                       stdout=out, stderr=subprocess.DEVNULL, check=False)
        wall, user, sys_, rss = t.read().split()[-4:]
    with open(out_path) as f:
        lines = f.read().splitlines()
    return Run(float(wall), float(user) + float(sys_), int(rss), lines)


def digest_set(lines, by_name=False):
    """{url or file name: hex} from 'HEX  NAME' lines."""
    result = {}
    for line in lines:
        hexd, _, name = line.partition("  ")
        result[os.path.basename(name) if by_name else name] = hexd
    return result


class Tool:
    def __init__(self, name, cmd, by_name=False):
        self.name, self.cmd, self.by_name = name, cmd, by_name


def tools(conc, only):
    peers = os.path.join(SHARED, "peers")
    all_tools = [
        Tool("fetchsum", lambda f: [FETCHSUM, "-q", "-j", str(conc), "--per-host",
                                    str(conc), f]),
        Tool("curl", lambda f: ["bash", os.path.join(peers, "curl_parallel.sh"), f,
                                str(conc)]),
        Tool("wget2", lambda f: ["bash", os.path.join(peers, "wget2.sh"), f,
                                 str(conc)]),
        Tool("aria2", lambda f: ["bash", os.path.join(peers, "aria2.sh"), f,
                                 str(conc)], by_name=True),
        Tool("python", lambda f: ["/usr/bin/python3",
                                  os.path.join(peers, "seed_pipeline.py"), f,
                                  str(conc)]),
    ]
    return [t for t in all_tools if t.name in only]


def ground_truth(corpus_dir, sub, urls_file, work):
    """sha512sum of the served files on all cores: the hashing ceiling, and
    what every tool's output must equal."""
    files = os.path.join(corpus_dir, "www", sub)
    # Split the files evenly over the cores: 8 large files must not all land
    # in one sha512sum process.
    count = sum(len(f) for _, _, f in os.walk(files))
    per_process = max(1, min(512, -(-count // os.cpu_count())))
    cmd = ["bash", "-c", f"cd {files} && find . -type f -printf '%P\\n' | "
                         f"xargs -n {per_process} -P {os.cpu_count()} sha512sum"]
    run = timed(cmd, os.path.join(work, "truth.txt"))
    by_file = digest_set(run.lines)
    expected = {}
    with open(urls_file) as f:
        for url in f.read().split():
            expected[url] = by_file[os.path.basename(url)]
    return run, expected


def wrk_ceiling(url, conc):
    out = subprocess.run(["wrk", "-t", str(os.cpu_count()), "-c", str(conc),
                          "-d", "5s", url], capture_output=True, text=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(m.group(1)) if m else None


def corpus_bytes(corpus_dir, sub):
    total = 0
    for root, _, files in os.walk(os.path.join(corpus_dir, "www", sub)):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def bench_corpus(name, corpus_dir, conc, runs, only, work):
    urls_file = os.path.join(corpus_dir, f"{name}.txt")
    with open(urls_file) as f:
        n_urls = len(f.read().split())
    size = corpus_bytes(corpus_dir, CORPUS_DIR[name])
    truth_run, expected = ground_truth(corpus_dir, CORPUS_DIR[name], urls_file,
                                       work)
    results = {"sha512sum (ceiling)": [truth_run]}
    for _ in range(runs - 1):
        results["sha512sum (ceiling)"].append(
            ground_truth(corpus_dir, CORPUS_DIR[name], urls_file, work)[0])
    for tool in tools(conc, only):
        results[tool.name] = []
        for i in range(runs):
            out = os.path.join(work, f"{tool.name}.{name}.{i}.txt")
            run = timed(tool.cmd(urls_file), out)
            got = digest_set(run.lines, tool.by_name)
            want = ({os.path.basename(u): h for u, h in expected.items()}
                    if tool.by_name else expected)
            if got != want:
                raise SystemExit(f"bench: {tool.name} on {name}: output differs "
                                 f"from sha512sum of the files ({len(got)} of "
                                 f"{len(want)} records)")
            results[tool.name].append(run)
            log(f"bench: {name} {tool.name} run {i + 1}: {run.wall:.2f} s, "
                f"{run.rss_kb // 1024} MB")
    wrk = None
    if name == "small":
        with open(urls_file) as f:
            wrk = wrk_ceiling(f.readline().strip(), conc)
    return {"urls": n_urls, "bytes": size, "results": results, "wrk": wrk}


# -- idle and scale ----------------------------------------------------------

def idle_cpu(seconds=10):
    """CPU share of a fetchsum run whose 256 transfers wait on a server that
    never answers."""
    with tempfile.TemporaryDirectory() as d:
        port_file = os.path.join(d, "port")
        origin = subprocess.Popen([ORIGIN, "--port-file", port_file,
                                   "--documents", "1"],
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(port_file):
                    break
                time.sleep(0.05)
            port = open(port_file).read().strip()
            urls = os.path.join(d, "stall.txt")
            with open(urls, "w") as f:
                for i in range(256):
                    f.write(f"http://127.0.0.1:{port}/stall?{i}\n")
            run = subprocess.Popen([FETCHSUM, "-q", "-j", "256", "--per-host",
                                    "256", "--stall-time", "600", urls],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            time.sleep(2)
            threads = len(os.listdir(f"/proc/{run.pid}/task"))
            ticks = lambda: sum(int(x) for x in
                                open(f"/proc/{run.pid}/stat").read()
                                .rsplit(")", 1)[1].split()[11:13])
            t0 = ticks()
            time.sleep(seconds)
            used = (ticks() - t0) / os.sysconf("SC_CLK_TCK")
            run.terminate()
            run.wait()
            return used / seconds, threads
        finally:
            origin.terminate()
            origin.wait()


def scale(corpus_dir, work, counts=(100_000, 1_000_000)):
    """Peak RSS for long lists (the small corpus repeated): it must not grow
    with the length of the list."""
    with open(os.path.join(corpus_dir, "small.txt")) as f:
        urls = f.read().split()
    rows = []
    for n in counts:
        path = os.path.join(work, f"scale-{n}.txt")
        with open(path, "w") as f:
            for i in range(n):
                f.write(urls[i % len(urls)] + "\n")
        run = timed([FETCHSUM, "-q", "-j", "64", "--per-host", "64", path],
                    os.path.join(work, "scale.out"))
        if len(run.lines) != n:
            raise SystemExit(f"bench: scale {n}: {len(run.lines)} records")
        rows.append((n, run))
        log(f"bench: scale {n}: {run.wall:.1f} s, {run.rss_kb // 1024} MB")
        os.remove(path)
    return rows


# -- report ------------------------------------------------------------------

def median_run(runs):
    walls = sorted(r.wall for r in runs)
    wall = statistics.median(walls)
    return (wall, statistics.median(r.cpu for r in runs),
            max(r.rss_kb for r in runs))


def report(args, corpora, idle, scale_rows):
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores "
             f"({cpu}), {platform.system()} {platform.release()}, "
             f"{args.concurrency} transfers in flight for every tool, median "
             f"of {args.runs} runs; peers write to /dev/shm. Command:",
             "", f"    bench/run.py {' '.join(sys.argv[1:])}".rstrip(), ""]
    for name, c in corpora.items():
        mb = c["bytes"] / 1e6
        lines += [f"### {name}: {c['urls']:,} URLs, {mb:,.0f} MB", "",
                  "| tool | wall (s) | URL/s | MB/s | CPU (s) | peak RSS (MB) | "
                  "fetchsum is |",
                  "|---|---|---|---|---|---|---|"]
        fs_wall = median_run(c["results"]["fetchsum"])[0] \
            if "fetchsum" in c["results"] else None
        for tool, runs in c["results"].items():
            wall, cpu_s, rss = median_run(runs)
            if tool == "fetchsum" or fs_wall is None:
                ratio = ""
            elif "ceiling" in tool:
                ratio = f"{wall / fs_wall:.0%} of it"
            else:
                ratio = f"{wall / fs_wall:.2f}× as fast"
            lines.append(f"| {tool} | {wall:.2f} | {c['urls'] / wall:,.0f} | "
                         f"{mb / wall:,.0f} | {cpu_s:.2f} | {rss / 1024:.0f} | "
                         f"{ratio} |")
        if c["wrk"] and fs_wall:
            lines.append(f"| wrk (ceiling) | | {c['wrk']:,.0f} req/s | | | | "
                         f"{c['urls'] / fs_wall / c['wrk']:.0%} of it |")
        lines.append("")
    if idle:
        share, threads = idle
        lines += [f"**idle**: 256 transfers waiting on a server that never "
                  f"answers: {share:.2%} of a core over 10 s, {threads} threads.",
                  ""]
    if scale_rows:
        lines += ["**scale**: " + ", ".join(
            f"{n:,} URLs in {r.wall:.1f} s at {r.rss_kb / 1024:.0f} MB peak RSS"
            for n, r in scale_rows) + ".", ""]
    return "\n".join(lines)


def write_doc(text):
    path = os.path.join(REPO, "docs", "benchmarks.md")
    doc = open(path).read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin) + len(begin)] + "\n" + text + "\n" + \
            doc[doc.index(end):]
    else:
        doc += f"\n{begin}\n{text}\n{end}\n"
    open(path, "w").write(doc)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--corpora", default="small,large,mixed")
    p.add_argument("--tools", default="fetchsum,curl,wget2,aria2,python")
    p.add_argument("--dir", default="/tmp/fetchsum-bench")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--no-idle", action="store_true")
    p.add_argument("--no-scale", action="store_true")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: small corpus, fetchsum and curl, 1 run")
    p.add_argument("--write", action="store_true",
                   help="write the table into docs/benchmarks.md")
    args = p.parse_args()
    if args.quick:
        args.runs, args.corpora, args.tools = 1, "small", "fetchsum,curl"
        args.no_idle = args.no_scale = True
    if not os.path.isdir(SHARED):
        raise SystemExit(f"bench: {SHARED} not found (set FETCHSUM_BENCH_SHARED)")
    ensure_packages()
    build()
    origin_sh = os.path.join(SHARED, "origin.sh")
    # A server left over from an interrupted run would hold the port.
    subprocess.run(["bash", origin_sh, "stop", args.dir])
    time.sleep(0.5)
    subprocess.run(["bash", origin_sh, "start", args.dir, str(args.port)],
                   check=True)
    corpora = {}
    try:
        with tempfile.TemporaryDirectory() as work:
            for name in args.corpora.split(","):
                corpora[name] = bench_corpus(name, args.dir, args.concurrency,
                                             args.runs, args.tools.split(","),
                                             work)
            scale_rows = None if args.no_scale else scale(args.dir, work)
    finally:
        subprocess.run(["bash", origin_sh, "stop", args.dir])
    idle = None if args.no_idle else idle_cpu()
    text = report(args, corpora, idle, scale_rows)
    print(text)
    if args.write:
        write_doc(text)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Cluster benchmark: `fetchsum --nodes` against one process (issue #9).

Three measurements, each checked record by record against sha512sum of the
served files (the corpora of ../shared/bench/origin.sh, nginx):

  overhead   coordinator + 2 `fetchsum node` processes on loopback against one
             plain fetchsum process, same machine, same transfers in flight;
             small and mixed corpora; wall time and the ratio.
  scaleout   every node in its own network namespace, joined by a veth pair
             to a bridge in the root namespace, whose root-side end is shaped
             with `tc qdisc ... tbf` (the origin -> node direction); nginx
             serves the same corpus on the bridge address; the mixed corpus
             with 1, 2, 3 nodes; speed-up relative to 1 node. The links' own
             ceiling (curl from each namespace, alone and all at once) is
             measured first, so a CPU-bound setup shows as such.
  cpu        the coordinator's user+sys CPU time per URL on the small corpus
             (2 nodes on loopback), and from it the URL rate one coordinator
             core can feed.

Everything it creates (nginx, nodes, namespaces, veths, bridge, qdiscs) is
removed on exit, also on failure or SIGINT/SIGTERM. Needs root for
scaleout. Each part runs --runs times; medians are reported.

  bench/cluster.py                          # all parts, 5 runs
  bench/cluster.py --parts scaleout --rate 100mbit --runs 3
  bench/cluster.py --net-only               # set up + measure the links, no fetchsum
  bench/cluster.py --write bench/results/cluster-$(date +%F).md
"""
import argparse
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (timed, digest_set, ground_truth, SHARED)

REPO = bench.REPO
FETCHSUM = bench.FETCHSUM
ORIGIN_SH = os.path.join(bench.SHARED, "origin.sh")
TIMEOUT = 300  # s a single fetchsum run may take (--timeout)
PACKAGES = ["nginx-light", "openssl", "curl", "iproute2"]

# Scale-out network. 198.18.0.0/15 is the range RFC 2544 sets aside for
# benchmarks: it is routed nowhere, and here it exists only on the bridge and
# in the namespaces this script creates (no private range that a real network
# could use). Names carry a prefix of their own so nothing else is touched.
NET_PREFIX = "198.18.93"
BRIDGE = "fsb-br0"
NS = "fsb-n{}"          # namespace of node i
VETH = "fsb-v{}"        # its root-side veth end (shaped, egress = origin -> node)


def log(*args):
    print("cluster-bench:", *args, file=sys.stderr, flush=True)


def sh(*cmd, check=True, quiet=False):
    res = subprocess.run(list(cmd), capture_output=True, text=True)
    if check and res.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)}: exit {res.returncode}: "
                           f"{res.stderr.strip()}")
    if not quiet and res.returncode != 0:
        log(f"{shlex.join(cmd)}: {res.stderr.strip()}")
    return res


class Cleanup:
    """Undo steps, run last-in first-out on exit: also on an exception, and
    on SIGINT/SIGTERM/SIGHUP (turned into SystemExit so `finally` runs)."""

    def __init__(self):
        self.steps = []
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._signal)

    def _signal(self, signum, _frame):
        raise SystemExit(f"cluster-bench: signal {signum}, cleaning up")

    def add(self, what, fn):
        self.steps.append((what, fn))
        return fn

    def run_one(self, fn):
        """Runs and forgets one registered step now."""
        for i, (_, f) in enumerate(self.steps):
            if f is fn:
                del self.steps[i]
                break
        fn()

    def __call__(self):
        # A second signal while cleaning must not stop the cleaning.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        while self.steps:
            what, fn = self.steps.pop()
            try:
                fn()
            except Exception as e:  # keep going: remove everything else too
                log(f"cleanup {what}: {e}")


def stop_process(proc, timeout=5):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid):
    """user+sys of a running process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- nodes -------------------------------------------------------------------

class Node:
    """One `fetchsum node`, optionally inside a network namespace. It listens
    on port 0 and reports the port it got on stderr."""

    def __init__(self, cleanup, work, name, host, extra, netns=None):
        self.name, self.log_path = name, os.path.join(work, f"{name}.log")
        cmd = [FETCHSUM, "node", "--listen", f"{host}:0"] + extra
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.cmd = cmd
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=self.log_file)
        cleanup.add(f"node {name}", self.stop)
        self.address = self._wait_listening()

    def _wait_listening(self, seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for line in open(self.log_path):
                if "listening on " in line:
                    return line.rsplit("listening on ", 1)[1].strip()
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"node {self.name} ({shlex.join(self.cmd)}) did not "
                           f"report listening: {open(self.log_path).read()!r}")

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        stop_process(self.proc)
        self.log_file.close()


# -- network namespaces ------------------------------------------------------

def rate_bytes(rate):
    """'400mbit' -> bytes per second (tc's units, decimal)."""
    units = {"kbit": 1e3 / 8, "mbit": 1e6 / 8, "gbit": 1e9 / 8}
    for unit, factor in units.items():
        if rate.endswith(unit):
            return float(rate[:-len(unit)]) * factor
    raise SystemExit(f"cluster-bench: --rate {rate}: use e.g. 400mbit")


class Net:
    """A bridge in the root namespace holding the origin's addresses
    (NET_PREFIX.1 .. .origins), and per node a namespace with a veth pair to
    it (the node at NET_PREFIX.(10+i)); the root-side end shaped by tbf."""

    def __init__(self, cleanup, nodes, origins, rate):
        self.cleanup, self.nodes, self.origins, self.rate = \
            cleanup, nodes, origins, rate
        route = sh("ip", "-4", "route", "show", f"{NET_PREFIX}.0/24").stdout
        if route.strip() or sh("ip", "link", "show", BRIDGE, check=False,
                               quiet=True).returncode == 0:
            raise SystemExit(f"cluster-bench: {NET_PREFIX}.0/24 or {BRIDGE} is "
                             "already in use (a run still going, or a leftover: "
                             f"ip link del {BRIDGE})")
        sh("ip", "link", "add", BRIDGE, "type", "bridge")
        cleanup.add("bridge", lambda: sh("ip", "link", "del", BRIDGE))
        for o in range(1, origins + 1):
            sh("ip", "addr", "add", f"{NET_PREFIX}.{o}/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        for i in range(1, nodes + 1):
            ns, veth = NS.format(i), VETH.format(i)
            sh("ip", "netns", "add", ns)
            cleanup.add(f"netns {ns}", lambda ns=ns: sh("ip", "netns", "del", ns))
            sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0",
               "netns", ns)
            # Deleting the namespace deletes its end, and with it the pair;
            # this step matters when the namespace step failed.
            cleanup.add(f"veth {veth}", lambda veth=veth: sh(
                "ip", "link", "del", veth, check=False, quiet=True))
            sh("ip", "link", "set", veth, "master", BRIDGE, "up")
            sh("ip", "-n", ns, "addr", "add", f"{self.node_address(i)}/24",
               "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            if rate:
                self.shape(veth, rate)

    @staticmethod
    def node_address(i):
        return f"{NET_PREFIX}.{10 + i}"

    @staticmethod
    def origin_address(o=1):
        return f"{NET_PREFIX}.{o}"

    @staticmethod
    def shape(veth, rate):
        # burst: 10 ms at the rate, at least 64 KiB so one GSO super-packet
        # always fits; latency bounds the queue (50 ms at the rate).
        burst = max(64 * 1024, int(rate_bytes(rate) / 100))
        sh("tc", "qdisc", "add", "dev", veth, "root", "tbf", "rate", rate,
           "burst", str(burst), "latency", "50ms")

    def wait_reachable(self, url, seconds=10):
        """Until every namespace gets url (the bridge takes a moment to
        forward after its ports come up)."""
        deadline = time.time() + seconds
        for i in range(1, self.nodes + 1):
            while sh("ip", "netns", "exec", NS.format(i), "curl", "-sf", "-o",
                     "/dev/null", "--max-time", "1", url, check=False,
                     quiet=True).returncode:
                if time.time() > deadline:
                    raise RuntimeError(f"{NS.format(i)} cannot get {url}")
                time.sleep(0.2)

    def describe(self):
        lines = []
        for i in range(1, self.nodes + 1):
            lines.append(sh("tc", "qdisc", "show", "dev", VETH.format(i)).stdout
                         .strip())
        return lines


class BridgeOrigin:
    """nginx serving DIR/www on the bridge addresses (origin.sh listens on
    loopback only), with origin.sh's settings."""

    def __init__(self, cleanup, corpus_dir, work, origins, port):
        listens = "".join(f"    listen {Net.origin_address(o)}:{port};\n"
                          for o in range(1, origins + 1))
        conf = os.path.join(work, "nginx-bridge.conf")
        self.pid_path = os.path.join(work, "nginx-bridge.pid")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1;
pid {self.pid_path};
error_log {work}/nginx-bridge-error.log;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  sendfile on; tcp_nopush on;
  keepalive_requests 1000000;
  server {{
{listens}    root {corpus_dir}/www;
  }}
}}
""")
        sh("nginx", "-c", conf)
        cleanup.add("nginx on the bridge", self.stop)
        probe = f"http://{Net.origin_address()}:{port}/s/0.html"
        for _ in range(50):
            if sh("curl", "-sf", "-o", "/dev/null", probe, check=False,
                  quiet=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"nginx on the bridge does not answer {probe}")

    def stop(self):
        if os.path.exists(self.pid_path):
            pid = int(open(self.pid_path).read())
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                time.sleep(0.1)


def link_ceiling(net, port, seconds_cap=60):
    """MB/s that curl gets from the bridge origin into each namespace (a large
    file, discarded), one namespace alone, then all of them at once: what the
    links and the machine can carry without fetchsum."""
    url = f"http://{Net.origin_address()}:{port}/l/0.bin"

    def curl(i):
        return subprocess.Popen(
            ["ip", "netns", "exec", NS.format(i), "curl", "-s", "-o",
             "/dev/null", "--max-time", str(seconds_cap), "-w",
             "%{size_download} %{time_total}", url],
            stdout=subprocess.PIPE, text=True)

    def mbps(proc):
        size, secs = proc.communicate()[0].split()
        return float(size) / float(secs) / 1e6

    procs = [curl(1)]
    try:
        alone = mbps(procs[0])
        procs = [curl(i) for i in range(1, net.nodes + 1)]
        together = [mbps(p) for p in procs]
    finally:  # a signal meanwhile: no curl left behind in a namespace
        for proc in procs:
            stop_process(proc)
    return alone, together


# -- runs --------------------------------------------------------------------

class Result:
    """One run: ok = records equal to the files' sha512sum (each URL once,
    same digests); rc its exit status (1 after a lost node even then)."""

    def __init__(self, wall, cpu, records_ok, node_cpu=None, stderr="", rc=0):
        self.wall, self.cpu, self.ok, self.node_cpu, self.stderr, self.rc = \
            wall, cpu, records_ok, node_cpu, stderr, rc


def verdict(runs):
    """'equal', or 'DIFFER', and the exit statuses that were not 0."""
    text = "equal" if all(r.ok for r in runs) else "DIFFER"
    bad = [r.rc for r in runs if r.rc != 0]
    if bad:
        text += f"; exit {','.join(map(str, bad))} in {len(bad)} of {len(runs)}"
    return text


def children(pid):
    """Direct children of pid (the program under /usr/bin/time)."""
    path = f"/proc/{pid}/task/{pid}/children"
    return [int(c) for c in open(path).read().split()] if os.path.exists(path) \
        else []


def run_fetchsum(cmd, work, tag, expected, nodes=(), timeout=None, repeat=1,
                 prefix=()):
    """Runs one fetchsum (plain or coordinator) under GNU time and checks its
    records against sha512sum of the files: the same URLs, each once, the
    same digests."""
    out = os.path.join(work, f"{tag}.out")
    err = os.path.join(work, f"{tag}.err")
    node_cpu0 = [n.cpu() for n in nodes]
    timeout = timeout or TIMEOUT
    hung = False
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t, \
            open(out, "w") as o, open(err, "w") as e:
        proc = subprocess.Popen(list(prefix) + ["/usr/bin/time", "-f",
                                 "%e %U %S", "-o", t.name] + cmd,
                                stdout=o, stderr=e)
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # A hang is a result too: say so, keep the run, go on.
            log(f"{tag}: HUNG: no exit after {timeout} s; killing it")
            hung = True
            for child in children(proc.pid):
                os.kill(child, signal.SIGKILL)
            rc = proc.wait()
        except BaseException:
            # A signal to the benchmark: leave no run behind either.
            for child in children(proc.pid):
                os.kill(child, signal.SIGKILL)
            proc.wait()
            raise
        times = t.read().split()
        wall, user, sys_ = (times[-3:] if len(times) >= 3 and not hung
                            else (timeout, "nan", "nan"))
    node_cpu = sum(n.cpu() for n in nodes) - sum(node_cpu0) if nodes else None
    lines = open(out).read().splitlines()
    got = bench.digest_set(lines)
    stderr = open(err).read()
    # A list holding every URL `repeat` times gets a record per line.
    ok = not hung and len(lines) == len(expected) * repeat and got == expected
    if rc != 0:
        log(f"{tag}: exit {rc}; stderr tail: {stderr[-500:]!r}")
    if not ok:
        missing = len(set(expected) - set(got))
        wrong = sum(1 for u, h in got.items() if expected.get(u) != h)
        log(f"{tag}: RECORDS DIFFER: exit {rc}, {len(lines)} lines for "
            f"{len(expected) * repeat} URLs, {missing} missing, {wrong} wrong "
            "or extra; "
            f"stderr tail: {stderr[-500:]!r}")
    for n in nodes:
        if not n.alive():
            log(f"{tag}: node {n.name} died: {open(n.log_path).read()[-500:]!r}")
    if hung:
        stderr += f"\n[cluster-bench: killed after {timeout} s]"
    return Result(float(wall), float(user) + float(sys_), ok, node_cpu, stderr,
                  rc)


def expected_for(corpus_dir, name, urls_file, work):
    sub = bench.CORPUS_DIR[name]
    return bench.ground_truth(corpus_dir, sub, urls_file, work)[1]


SUMMARY = re.compile(r"^fetchsum: \d+ URLs")


def summary_line(stderr):
    lines = [l for l in stderr.splitlines() if SUMMARY.match(l)]
    return lines[-1] if lines else ""


def after_summary(runs):
    """Lines a run printed after its summary line (a coordinator should
    print none), with how many runs printed each."""
    seen = {}
    for r in runs:
        lines = r.stderr.splitlines()
        idx = [i for i, l in enumerate(lines) if SUMMARY.match(l)]
        for l in lines[idx[-1] + 1:] if idx else []:
            key = re.sub(r"\d+\.\d+\.\d+\.\d+:\d+", "H:P", l)
            seen[key] = seen.get(key, 0) + 1
    return seen


def coordinator_cmd(nodes, conc, list_file, extra=()):
    return [FETCHSUM, "--nodes", ",".join(n.address for n in nodes),
            "--progress", "never", "-j", str(conc), "--per-host", str(conc)] + list(extra) + [list_file]


def plain_cmd(conc, list_file):
    return [FETCHSUM, "--progress", "never", "-j", str(conc), "--per-host",
            str(conc), list_file]


def half_capacity(args):
    """Options of each of two nodes standing in for one process: the
    coordinator's capacity is the sum of its nodes' -j, so each gets half of
    the plain run's transfers in flight."""
    return ["-j", str(args.concurrency // 2)] + args.node_args


def part_overhead(args, cleanup, work):
    """Plain process vs coordinator + 2 loopback nodes, interleaved runs."""
    rows = []
    nodes = [Node(cleanup, work, f"lo{i}", "127.0.0.1", half_capacity(args))
             for i in (1, 2)]
    for name in ("small", "mixed"):
        urls = os.path.join(args.dir, f"{name}.txt")
        expected = expected_for(args.dir, name, urls, work)
        plain, cluster = [], []
        for r in range(args.runs):
            # Interleaved, so drift in the machine's load hits both alike.
            plain.append(run_fetchsum(plain_cmd(args.concurrency, urls), work,
                                      f"plain-{name}-{r}", expected))
            cluster.append(run_fetchsum(
                coordinator_cmd(nodes, args.concurrency, urls), work,
                f"cluster-{name}-{r}", expected, nodes))
            log(f"overhead {name} run {r + 1}: plain {plain[-1].wall:.2f} s, "
                f"cluster {cluster[-1].wall:.2f} s")
        rows.append((name, len(expected), plain, cluster))
    for n in nodes:
        cleanup.run_one(n.stop)
    return {"rows": rows,
            "command": shlex.join(coordinator_cmd(nodes, args.concurrency,
                                                  "LIST")),
            "node_command": shlex.join(nodes[0].cmd)}


def part_cpu(args, cleanup, work):
    """Coordinator CPU per URL with 2 loopback nodes on the small corpus
    (repeated --cpu-repeat times, so the fixed start-up cost weighs little)."""
    nodes = [Node(cleanup, work, f"cpu{i}", "127.0.0.1", half_capacity(args))
             for i in (1, 2)]
    with open(os.path.join(args.dir, "small.txt")) as f:
        urls = f.read().split()
    list_file = os.path.join(work, "cpu-list.txt")
    # The same URL repeated is a record per line; the expected set is by URL,
    # so check with the count of lines too.
    with open(list_file, "w") as f:
        for _ in range(args.cpu_repeat):
            f.write("\n".join(urls) + "\n")
    expected = expected_for(args.dir, "small",
                            os.path.join(args.dir, "small.txt"), work)
    n_urls = len(urls) * args.cpu_repeat
    runs, plain = [], []
    for r in range(args.runs):
        res = run_fetchsum(coordinator_cmd(nodes, args.concurrency, list_file),
                           work, f"cpu-{r}", expected, nodes,
                           repeat=args.cpu_repeat)
        runs.append(res)
        p = run_fetchsum(plain_cmd(args.concurrency, list_file), work,
                         f"cpu-plain-{r}", expected, repeat=args.cpu_repeat)
        plain.append(p)
        log(f"cpu run {r + 1}: coordinator {res.cpu:.2f} s CPU in "
            f"{res.wall:.2f} s, nodes {res.node_cpu:.2f} s; plain "
            f"{p.cpu:.2f} s CPU")
    for n in nodes:
        cleanup.run_one(n.stop)
    return {"urls": n_urls, "runs": runs, "plain": plain,
            "command": shlex.join(coordinator_cmd(nodes, args.concurrency,
                                                  "LIST"))}


def part_scaleout(args, cleanup, work):
    max_nodes = args.max_nodes
    net = Net(cleanup, max_nodes, args.origins, args.rate)
    BridgeOrigin(cleanup, args.dir, work, args.origins, args.bridge_port)
    for o in range(1, args.origins + 1):
        net.wait_reachable(f"http://{Net.origin_address(o)}:"
                           f"{args.bridge_port}/s/0.html")
    alone, together = link_ceiling(net, args.bridge_port)
    log(f"links: one namespace alone {alone:.1f} MB/s; all {max_nodes} at once "
        + ", ".join(f"{x:.1f}" for x in together) + " MB/s")
    result = {"qdiscs": net.describe(), "ceiling": (alone, together),
              "rows": [], "origins": args.origins}
    if args.net_only:
        return result
    # The mixed corpus on the bridge address(es): URL i on origin i % origins.
    with open(os.path.join(args.dir, "mixed.txt")) as f:
        paths = ["/" + u.split("/", 3)[3] for u in f.read().split()]
    list_file = os.path.join(work, "mixed-bridge.txt")
    with open(list_file, "w") as f:
        for i, p in enumerate(paths):
            host = Net.origin_address(1 + i % args.origins)
            f.write(f"http://{host}:{args.bridge_port}{p}\n")
    expected = expected_for(args.dir, "mixed", list_file, work)
    nodes = [Node(cleanup, work, f"ns{i}", Net.node_address(i),
                  ["-j", str(args.concurrency), "--cluster-plaintext"]
                  + args.node_args, netns=NS.format(i))
             for i in range(1, max_nodes + 1)]
    # Baseline: one plain process in the first namespace, behind the same
    # shaped link: what a node costs against fetching there directly.
    plain = []
    for r in range(args.runs):
        plain.append(run_fetchsum(plain_cmd(args.concurrency, list_file), work,
                                  f"scale-plain-{r}", expected,
                                  prefix=["ip", "netns", "exec", NS.format(1)]))
        log(f"scale-out plain process in {NS.format(1)} run {r + 1}: "
            f"{plain[-1].wall:.2f} s")
    result["plain"] = plain
    for count in range(1, max_nodes + 1):
        used = nodes[:count]
        conc = args.concurrency * count
        runs = []
        for r in range(args.runs):
            res = run_fetchsum(coordinator_cmd(used, conc, list_file), work,
                               f"scale-{count}-{r}", expected, used)
            runs.append(res)
            log(f"scale-out {count} node(s) run {r + 1}: {res.wall:.2f} s, "
                f"records {'ok' if res.ok else 'DIFFER'}")
        result["rows"].append((count, runs))
    result["urls"] = len(expected)
    result["bytes"] = bench.corpus_bytes(args.dir, "m")
    result["command"] = shlex.join(coordinator_cmd(nodes[:1], args.concurrency,
                                                   "LIST"))
    result["node_command"] = shlex.join(nodes[0].cmd)
    for n in nodes:
        cleanup.run_one(n.stop)
    return result


# -- report ------------------------------------------------------------------

def med(values):
    return statistics.median(values)


def stray_lines(runs):
    """Report lines for what coordinators printed after their summary line,
    and for runs that had to be killed."""
    out = []
    hung = sum(1 for r in runs if "[cluster-bench: killed" in r.stderr)
    if hung:
        out.append(f"**{hung} of {len(runs)} coordinator runs hung** (killed "
                   f"after --timeout {TIMEOUT} s).  ")
    for line, n in after_summary(runs).items():
        if not line.startswith("[cluster-bench"):
            out.append(f"After the summary line, {n} of {len(runs)} runs "
                       f"printed: `{line}`  ")
    return out + [""] if out else []


def report(args, overhead, cpu, scaleout, load_before):
    cpu_model = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    commit = sh("git", "-C", REPO, "rev-parse", "--short", "HEAD",
                check=False).stdout.strip()
    out = [f"# fetchsum cluster benchmark, {time.strftime('%Y-%m-%d %H:%M')}",
           "",
           f"fetchsum {commit}, {os.cpu_count()} cores ({cpu_model}), "
           f"{platform.system()} {platform.release()}; load average before: "
           f"{load_before}; after: {open('/proc/loadavg').read().split()[:3]}. "
           f"Median of {args.runs} runs; every run's records checked against "
           "sha512sum of the served files. Command:", "",
           f"    bench/cluster.py {' '.join(sys.argv[1:])}".rstrip(), ""]
    if overhead:
        out += ["## Overhead: coordinator + 2 nodes on one machine vs one process",
                "",
                f"Coordinator: `{overhead['command']}`; nodes: "
                f"`{overhead['node_command']}` (x2, loopback, started once, "
                "serving every run). Plain: "
                f"`{shlex.join(plain_cmd(args.concurrency, 'LIST'))}`.", "",
                "| corpus | URLs | plain (s) | cluster (s) | cluster / plain | "
                "plain CPU (s) | coord. CPU (s) | nodes CPU (s) | records |",
                "|---|---|---|---|---|---|---|---|---|"]
        for name, n, plain, cluster in overhead["rows"]:
            pw, cw = med(r.wall for r in plain), med(r.wall for r in cluster)
            out.append(f"| {name} | {n:,} | {pw:.2f} | {cw:.2f} | {cw / pw:.2f} | "
                       f"{med(r.cpu for r in plain):.2f} | "
                       f"{med(r.cpu for r in cluster):.2f} | "
                       f"{med(r.node_cpu for r in cluster):.2f} | "
                       f"{verdict(plain + cluster)} |")
        out += ["", "Runs (s): " + "; ".join(
            f"{name} plain " + " ".join(f"{r.wall:.2f}" for r in plain)
            + ", cluster " + " ".join(f"{r.wall:.2f}" for r in cluster)
            for name, _, plain, cluster in overhead["rows"]), ""]
        out += [f"Last summary lines: {name} plain `{summary_line(plain[-1].stderr)}`"
                f", cluster `{summary_line(cluster[-1].stderr)}`  "
                for name, _, plain, cluster in overhead["rows"]] + [""]
        out += stray_lines([r for _, _, _, cluster in overhead["rows"]
                            for r in cluster])
    if scaleout:
        alone, together = scaleout["ceiling"]
        out += ["## Scale-out: nodes in their own network namespaces, shaped links",
                "",
                f"Each node in a namespace, veth to a bridge in the root "
                f"namespace; nginx on the bridge ({scaleout['origins']} "
                f"address(es), the mixed corpus's URLs spread over them); "
                f"origin -> node shaped on the root-side veth: "
                f"`{scaleout['qdiscs'][0] if scaleout['qdiscs'] else 'none'}`.",
                f"Link ceiling without fetchsum (curl of a 64 MiB file): one "
                f"namespace alone {alone:.1f} MB/s, all at once "
                + " + ".join(f"{x:.1f}" for x in together)
                + f" = {sum(together):.1f} MB/s.", ""]
        if scaleout["rows"]:
            out += [f"Coordinator: `{scaleout['command']}` (-j and --per-host = "
                    f"{args.concurrency} x nodes); nodes: "
                    f"`{scaleout['node_command']}`.", "",
                    "| nodes | wall (s) | MB/s | speed-up | of linear | "
                    "coord. CPU (s) | nodes CPU (s) | records |",
                    "|---|---|---|---|---|---|---|---|"]
            base = med(r.wall for r in scaleout["rows"][0][1])
            mb = scaleout["bytes"] / 1e6
            pl = scaleout["plain"]
            pw = med(r.wall for r in pl)
            out.append(f"| plain process in the 1st namespace | {pw:.2f} | "
                       f"{mb / pw:.1f} | {base / pw:.2f} | | "
                       f"{med(r.cpu for r in pl):.2f} (all of it) | | "
                       f"{verdict(pl)} |")
            for count, runs in scaleout["rows"]:
                w = med(r.wall for r in runs)
                out.append(f"| {count} | {w:.2f} | {mb / w:.1f} | "
                           f"{base / w:.2f} | {base / w / count:.0%} | "
                           f"{med(r.cpu for r in runs):.2f} | "
                           f"{med(r.node_cpu for r in runs):.2f} | "
                           f"{verdict(runs)} |")
            out += ["", "Runs (s): " + "; ".join(
                f"{count} node(s) " + " ".join(f"{r.wall:.2f}" for r in runs)
                for count, runs in scaleout["rows"]), ""]
            out += [f"Last summary line, {count} node(s): "
                    f"`{summary_line(runs[-1].stderr)}`  "
                    for count, runs in scaleout["rows"]] + [""]
            out += stray_lines([r for _, runs in scaleout["rows"]
                                for r in runs])
    if cpu:
        per_url = med(r.cpu for r in cpu["runs"]) / cpu["urls"]
        plain_per_url = med(r.cpu for r in cpu["plain"]) / cpu["urls"]
        ok = all(r.ok for r in cpu["runs"])
        out += ["## Coordinator CPU per URL", "",
                f"Small corpus ({cpu['urls']:,} URLs of 4 KiB), 2 nodes on "
                f"loopback. Coordinator: `{cpu['command']}`.", "",
                "| coord. wall (s) | coord. CPU (s) | CPU per URL (µs) | "
                "URL/s one coordinator core feeds | nodes CPU (s) | "
                "plain process CPU per URL (µs) | records |",
                "|---|---|---|---|---|---|---|",
                f"| {med(r.wall for r in cpu['runs']):.2f} | "
                f"{med(r.cpu for r in cpu['runs']):.2f} | {per_url * 1e6:.0f} | "
                f"{1 / per_url:,.0f} | "
                f"{med(r.node_cpu for r in cpu['runs']):.2f} | "
                f"{plain_per_url * 1e6:.0f} | {verdict(cpu['runs'])} |", ""]
        out += stray_lines(cpu["runs"])
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parts", default="overhead,scaleout,cpu")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--concurrency", type=int, default=64,
                   help="transfers in flight: of the plain run and of the "
                        "two loopback nodes together; of each scale-out node")
    p.add_argument("--node-args", default="",
                   help="extra options for every `fetchsum node` (one string)")
    p.add_argument("--dir", default="/tmp/fetchsum-bench-cluster",
                   help="corpus directory of origin.sh")
    p.add_argument("--port", type=int, default=18080,
                   help="origin.sh's port on loopback")
    p.add_argument("--bridge-port", type=int, default=18081)
    p.add_argument("--rate", default="400mbit",
                   help="tbf rate of each node's link ('' for none)")
    p.add_argument("--max-nodes", type=int, default=3)
    p.add_argument("--origins", type=int, default=1,
                   help="addresses the scale-out origin serves the mixed "
                        "corpus on (URLs spread over them)")
    p.add_argument("--cpu-repeat", type=int, default=1,
                   help="the small corpus this many times for the CPU part")
    p.add_argument("--net-only", action="store_true",
                   help="set up the scale-out network, measure the links, "
                        "remove everything; no fetchsum run")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--timeout", type=int, default=TIMEOUT,
                   help="seconds after which a fetchsum run counts as hung "
                        "and is killed")
    p.add_argument("--write", metavar="FILE",
                   help="write the markdown table there too")
    args = p.parse_args()
    args.node_args = shlex.split(args.node_args)
    globals()["TIMEOUT"] = args.timeout
    parts = set(args.parts.split(","))
    if args.net_only:
        parts = {"scaleout"}
    if "scaleout" in parts and os.geteuid() != 0:
        raise SystemExit("cluster-bench: scaleout needs root (ip netns, tc)")
    if not os.path.isdir(bench.SHARED):
        raise SystemExit(f"cluster-bench: {bench.SHARED} not found "
                         "(set FETCHSUM_BENCH_SHARED)")
    load_before = open("/proc/loadavg").read().split()[:3]
    cleanup = Cleanup()
    try:
        if not args.no_build and not args.net_only:
            bench.PACKAGES = PACKAGES
            bench.ensure_packages()
            bench.build()
        # origin.sh generates the corpora (once) and serves them on loopback.
        subprocess.run(["bash", ORIGIN_SH, "stop", args.dir])
        subprocess.run(["bash", ORIGIN_SH, "start", args.dir, str(args.port)],
                       check=True, stdout=subprocess.DEVNULL)
        cleanup.add("origin.sh", lambda: subprocess.run(
            ["bash", ORIGIN_SH, "stop", args.dir]))
        # Removed last, after the processes whose logs and pid files it holds.
        work = tempfile.mkdtemp(prefix="fsb-cluster-")
        cleanup.add("work directory", lambda: shutil.rmtree(work))
        overhead = part_overhead(args, cleanup, work) \
            if "overhead" in parts else None
        scaleout = part_scaleout(args, cleanup, work) \
            if "scaleout" in parts else None
        cpu = part_cpu(args, cleanup, work) if "cpu" in parts else None
        text = report(args, overhead, cpu, scaleout, load_before)
    finally:
        cleanup()
    print(text)
    if args.write:
        os.makedirs(os.path.dirname(os.path.abspath(args.write)), exist_ok=True)
        with open(args.write, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()

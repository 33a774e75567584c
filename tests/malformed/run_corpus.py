#!/usr/bin/python3
"""Runs `vireo run` on every case of the malformed-input corpus.

    /usr/bin/python3 tests/malformed/run_corpus.py --vireo build/vireo [--corpus DIR]
                                                   [--keep] [--filter SUBSTR] [--timeout S] [--mem-gib G] [-v]

Without --corpus the corpus is generated into a temporary directory with
make_corpus.py (next to this script) and removed afterwards (--keep keeps it).

A malformed case passes when `vireo run` exits with code exactly 1 (not a
signal, not a timeout), and stderr is exactly one non-empty, valid UTF-8 line
starting with "vireo: error:" (plus the case's expected substring, if any).
Control cases (the valid models the broken ones derive from) must exit 0.

Prints one line per failing case, then "N passed, M failed"; exits 1 if any
case failed, 2 on a usage or setup error.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def limit_resources(mem_bytes):
    def preexec():
        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setsid()  # own process group, so a timeout can kill every thread/child
    return preexec


def check_stderr(err, expect):
    """Returns None if stderr meets the one-line contract, else why not."""
    if not err:
        return "stderr is empty"
    try:
        text = err.decode("utf-8")
    except UnicodeDecodeError as e:
        return "stderr is not valid UTF-8 (%s): %r" % (e.reason, err[:200])
    if not text.endswith("\n"):
        return "stderr does not end with a newline: %r" % text[:200]
    lines = text.splitlines()  # also splits on \r, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029
    if len(lines) != 1 or text.count("\n") != 1:
        return "stderr has %d lines: %r" % (max(len(lines), text.count("\n")), text[:300])
    line = lines[0]
    if not line.startswith("vireo: error:") or not line[len("vireo: error:"):].strip():
        return "stderr line does not start with 'vireo: error: <message>': %r" % line[:200]
    if expect and expect.lower() not in line.lower():
        return "message lacks %r: %r" % (expect, line[:300])
    return None


def run_case(vireo, corpus, case, timeout, mem_bytes):
    d = os.path.join(corpus, case["name"])
    cmd = [vireo, "run", os.path.join(d, case["model"])]
    for spec in case["inputs"]:
        name, eq, path = spec.rpartition("=")
        cmd += ["--input", name + eq + os.path.join(d, path)]
    env = dict(os.environ)  # VIREO_NUM_THREADS etc. pass through: default threads, as a user would run it
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, preexec_fn=limit_resources(mem_bytes))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "timed out after %g s (hang?)" % timeout, time.monotonic() - t0
    secs = time.monotonic() - t0
    rc = proc.returncode
    if rc < 0:
        try:
            sig = signal.Signals(-rc).name
        except ValueError:
            sig = str(-rc)
        return "killed by signal %s; stderr: %r" % (sig, err[-300:]), secs
    want = case.get("expect_exit", 1)
    if want == 0:
        if rc != 0:
            return "control case exited %d (expected 0): %r" % (rc, err[-300:]), secs
        return None, secs
    if rc != want:
        return "exit code %d (expected %d); stderr: %r" % (rc, want, err[-300:]), secs
    return check_stderr(err, case.get("expect")), secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vireo", required=True, help="path to the vireo CLI binary")
    ap.add_argument("--corpus", help="use this generated corpus instead of generating a fresh one")
    ap.add_argument("--keep", action="store_true", help="keep the generated corpus and print its location")
    ap.add_argument("--filter", default="", help="only run cases whose name or category contains this")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per case (default 10)")
    ap.add_argument("--mem-gib", type=float, default=4.0, help="address-space cap per case in GiB (default 4)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case with its stderr")
    a = ap.parse_args()

    vireo = os.path.abspath(a.vireo)
    if not os.access(vireo, os.X_OK):
        print("run_corpus: %s is not an executable" % vireo, file=sys.stderr)
        return 2
    tmp = None
    corpus = a.corpus
    if corpus is None:
        tmp = tempfile.mkdtemp(prefix="vireo-malformed-")
        corpus = os.path.join(tmp, "corpus")
        gen = subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), corpus],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if gen.returncode != 0:
            print("run_corpus: make_corpus.py failed:\n" + gen.stdout.decode(errors="replace"), file=sys.stderr)
            shutil.rmtree(tmp, ignore_errors=True)
            return 2
    corpus = os.path.abspath(corpus)
    try:
        with open(os.path.join(corpus, "manifest.json")) as f:
            cases = json.load(f)["cases"]
        cases = [c for c in cases if a.filter in c["name"] or a.filter in c["category"]]
        mem = int(a.mem_gib * (1 << 30))
        passed, failed = 0, []
        per_cat = {}
        for case in cases:
            why, secs = run_case(vireo, corpus, case, a.timeout, mem)
            stat = per_cat.setdefault(case["category"], [0, 0])
            if why is None:
                passed += 1
                stat[0] += 1
            else:
                failed.append(case["name"])
                stat[1] += 1
                print("FAIL %s [%s]: %s" % (case["name"], case["category"], why))
            if a.verbose:
                print("  %-50s %-14s %6.2fs %s" % (case["name"], case["category"], secs, "ok" if why is None else "FAIL"))
            sys.stdout.flush()
        if a.verbose:
            for cat, (p, f) in sorted(per_cat.items()):
                print("  category %-14s %3d passed, %d failed" % (cat, p, f))
        print("%d passed, %d failed" % (passed, len(failed)))
        if a.keep and tmp:
            print("corpus kept in %s" % corpus)
        return 1 if failed or not cases else 0
    finally:
        if tmp and not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

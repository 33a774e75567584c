#!/usr/bin/python3
"""Side-by-side comparison of vireo and ONNX Runtime 1.30 (onnxruntime-node).

For each model and thread count it runs `vireo bench --json` and
bench/ort_bench.js on the same seeded input, alternating between the two
engines for several rounds, checks that both compute the same outputs
(`vireo run` against tools/ort/ort_run.js), and prints one markdown row:
median latency of each and their ratio, GFLOP/s of each (FLOPs of Conv,
ConvTranspose, MatMul and Gemm from the model's inferred shapes), the
output difference, load time and peak RSS of each.

    /usr/bin/python3 bench/compare.py MODEL.onnx|DIR... [--threads 1,2] [--rounds 3]
        [--runs 20] [--warmup 3] [--vireo build/vireo] [--bench-bin build/vireo_bench]
        [--json-out FILE] [--markdown-out FILE]

Needs Debian's python3-onnx and python3-numpy, node, and onnxruntime-node
(ORT_NODE_DIR, else /work/ort-npm/node_modules/onnxruntime-node).
"""
import argparse
import datetime
import glob
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import shape_inference

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONNX_TO_NUMPY = {
    onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.INT64: np.int64, onnx.TensorProto.INT32: np.int32,
    onnx.TensorProto.INT8: np.int8, onnx.TensorProto.UINT8: np.uint8,
    onnx.TensorProto.BOOL: np.bool_,
}


def fail(msg):
    sys.exit(f"compare: {msg}")


# Linux keeps a process's peak RSS across execve, and a child forked from this
# Python (numpy and onnx loaded, ~90 MB) starts with Python's RSS as its peak:
# `vireo bench` would report ~90 MB for any model. Going through sh, which forks
# the command from its own small image, gives each engine a clean count.
CLEAN_RSS_LAUNCHER = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]


def run(cmd, timeout):
    """Runs cmd; returns stdout, failing loudly with its stderr if it fails."""
    try:
        p = subprocess.run(CLEAN_RSS_LAUNCHER + cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail(f"timed out after {timeout} s: {shlex.join(cmd)}")
    if p.returncode != 0:
        fail(f"exit {p.returncode}: {shlex.join(cmd)}\n{p.stderr.strip()}")
    return p.stdout


def last_json_line(text, cmd):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    fail(f"no JSON line in the output of {shlex.join(cmd)}")


def graph_inputs(model):
    """The inputs a caller feeds (not initializers), with symbolic dims at 1 as vireo bench does."""
    initializers = {t.name for t in model.graph.initializer}
    result = []
    for vi in model.graph.input:
        if vi.name in initializers:
            continue
        tensor = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else 1 for d in tensor.shape.dim]
        if tensor.elem_type not in ONNX_TO_NUMPY:
            fail(f"input {vi.name}: element type {tensor.elem_type} not supported here")
        result.append((vi.name, ONNX_TO_NUMPY[tensor.elem_type], dims))
    return result


def seeded_inputs(model):
    """The values `vireo bench` and ort_bench.js make without --input: std::mt19937(42),
    libstdc++ uniform_real_distribution<float>(-1, 1) for float, rng() & 1 for bool,
    zeros otherwise, drawn input after input (numpy's RandomState is the same MT19937)."""
    rs = np.random.RandomState(42)
    below_one = np.nextafter(np.float32(1), np.float32(0))
    arrays = []
    for name, dtype, dims in graph_inputs(model):
        n = int(np.prod(dims, dtype=np.int64))
        if dtype == np.float32:
            u = rs.randint(0, 2**32, size=n, dtype=np.uint32).astype(np.float32) / np.float32(2**32)
            a = (np.minimum(u, below_one) * np.float32(2) + np.float32(-1)).astype(np.float32)
        elif dtype == np.bool_:
            a = (rs.randint(0, 2**32, size=n, dtype=np.uint32) & 1).astype(np.bool_)
        else:
            a = np.zeros(n, dtype=dtype)
        arrays.append((name, a.reshape(dims)))
    return arrays


def model_flops(model):
    """2·MACs of Conv, ConvTranspose, MatMul and Gemm (the usual FLOP count), and whether
    every such node's shapes were known."""
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    for vi in fixed.graph.input:
        for d in vi.type.tensor_type.shape.dim:
            if not d.HasField("dim_value"):
                d.dim_value = 1
    inferred = shape_inference.infer_shapes(fixed)
    shapes = {}
    for vi in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        dims = vi.type.tensor_type.shape.dim
        if dims and all(d.HasField("dim_value") for d in dims):
            shapes[vi.name] = [d.dim_value for d in dims]
    for t in inferred.graph.initializer:
        shapes[t.name] = list(t.dims)
    total, complete = 0, True
    for node in inferred.graph.node:
        if node.op_type not in ("Conv", "ConvTranspose", "MatMul", "Gemm"):
            continue
        ins = [shapes.get(x) for x in node.input[:2]]
        out = shapes.get(node.output[0])
        if out is None or any(s is None for s in ins):
            complete = False
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Conv":
            w = ins[1]  # [M, C/group, kH, kW...]
            total += 2 * int(np.prod(out)) * int(np.prod(w[1:]))
        elif node.op_type == "ConvTranspose":
            x, w = ins  # w: [C, M/group, kH, kW...]
            total += 2 * int(np.prod(x)) * int(np.prod(w[1:]))
        elif node.op_type == "MatMul":
            k = ins[0][-1]
            total += 2 * int(np.prod(out)) * k
        else:
            k = ins[0][0] if attrs.get("transA", 0) else ins[0][-1]
            total += 2 * int(np.prod(out)) * k
    return total, complete


def max_relative_difference(vireo_dir, ort_dir, count):
    """max |vireo - ORT| / max |ORT|, over all outputs (the largest)."""
    worst = 0.0
    for i in range(count):
        v = np.load(os.path.join(vireo_dir, f"output_{i}.npy"))
        o = np.load(os.path.join(ort_dir, f"output_{i}.npy"))
        if v.shape != o.shape:
            fail(f"output {i}: vireo shape {v.shape}, ORT shape {o.shape}")
        if v.dtype.kind == "b" or o.dtype.kind in "iub":
            diff = float(np.max(v != o)) if v.size else 0.0
        else:
            scale = float(np.max(np.abs(o))) if o.size else 0.0
            diff = float(np.max(np.abs(v.astype(np.float64) - o.astype(np.float64)))) if o.size else 0.0
            diff = diff / scale if scale > 0 else diff
        worst = max(worst, diff)
    return worst


def idle_rss_mb(cmd):
    """Peak RSS in MB of a command that loads nothing (the process's own floor), through
    /usr/bin/time, which forks the command from its own small image; None without it."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb=%M", *cmd], capture_output=True, text=True)
    for line in reversed(p.stderr.splitlines()):
        if line.startswith("maxrss_kb="):
            return int(line.split("=")[1]) / 1024.0
    return None


def fma_peaks(bench_bin):
    """Per-ISA single-thread FMA peak (GFLOP/s) as vireo_bench measures it."""
    out = run([bench_bin, "--benchmark_filter=^BM_FmaPeak/", "--benchmark_format=json",
               "--benchmark_min_time=0.05"], 600)
    context = json.loads(out)["context"]
    return {k[len("fma_peak_gflops_"):]: float(v) for k, v in context.items() if k.startswith("fma_peak_gflops_")}


def expand_models(specs):
    models = []
    for spec in specs:
        if os.path.isdir(spec):
            found = sorted(glob.glob(os.path.join(spec, "*.onnx")) + glob.glob(os.path.join(spec, "*", "model.onnx")))
            if not found:
                fail(f"no .onnx files in {spec}")
            models += found
        elif os.path.isfile(spec):
            models.append(spec)
        else:
            fail(f"no such model or directory: {spec}")
    return models


def model_label(path):
    base = os.path.basename(path)
    return os.path.basename(os.path.dirname(path)) if base == "model.onnx" else os.path.splitext(base)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help=".onnx files, or directories of them (or of */model.onnx)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per engine (default 3)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per round (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up runs per round (default 3)")
    parser.add_argument("--stat", choices=("median", "min"), default="median",
                        help="latency statistic: median of the rounds' medians (default, what the targets use), "
                             "or min of their minima (steadier on a machine other jobs are loading)")
    parser.add_argument("--vireo", default=os.path.join(REPO, "build", "vireo"), help="the vireo CLI")
    parser.add_argument("--isa", default="", help="pass --isa to vireo (default: VIREO_ISA, else the best)")
    parser.add_argument("--ort-bench", default=os.path.join(REPO, "bench", "ort_bench.js"))
    parser.add_argument("--ort-run", default=os.path.join(REPO, "tools", "ort", "ort_run.js"))
    parser.add_argument("--node", default="node")
    parser.add_argument("--bench-bin", default="", help="vireo_bench, to quote GFLOP/s as %% of the FMA peak")
    parser.add_argument("--work-dir", default="", help="where inputs/outputs go (default: a temporary directory)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per engine invocation")
    parser.add_argument("--json-out", default="", help="also write every measurement here")
    parser.add_argument("--markdown-out", default="", help="also write the table here")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    if min(threads) < 1 or args.rounds < 1 or args.runs < 1 or args.warmup < 0:
        fail("threads, rounds and runs must be >= 1, warmup >= 0")
    for tool in (args.vireo, args.ort_bench, args.ort_run):
        if not os.path.exists(tool):
            fail(f"not found: {tool}")
    models = expand_models(args.models)
    work = args.work_dir or tempfile.mkdtemp(prefix="vireo-compare-")
    isa_flag = ["--isa", args.isa] if args.isa else []

    peaks = fma_peaks(args.bench_bin) if args.bench_bin else {}
    vireo_base_rss = idle_rss_mb([args.vireo, "--help"])
    load_before = os.getloadavg()
    started = datetime.datetime.now().isoformat(timespec="seconds")
    rows, raw = [], []
    for path in models:
        label = model_label(path)
        model = onnx.load(path)
        flops, flops_complete = model_flops(model)
        mdir = os.path.join(work, label)
        os.makedirs(mdir, exist_ok=True)
        input_files = []
        for i, (name, array) in enumerate(seeded_inputs(model)):
            f = os.path.join(mdir, f"input_{i}.npy")
            np.save(f, array)
            input_files.append(f)
        n_outputs = len(model.graph.output)
        del model
        for t in threads:
            vout, oout = os.path.join(mdir, f"vireo_out_t{t}"), os.path.join(mdir, f"ort_out_t{t}")
            run([args.vireo, "run", path, "--threads", str(t), "--output-dir", vout, *isa_flag]
                + [x for f in input_files for x in ("--input", f)], args.timeout)
            run([args.node, args.ort_run, "--model", path, "--out-dir", oout, "--threads", str(t), "--quiet",
                 *input_files], args.timeout)
            err = max_relative_difference(vout, oout, n_outputs)

            vireo_cmd = ([args.vireo, "bench", path, "--threads", str(t), "--runs", str(args.runs), "--warmup",
                          str(args.warmup), "--json", *isa_flag] + [x for f in input_files for x in ("--input", f)])
            ort_cmd = ([args.node, args.ort_bench, "--model", path, "--threads", str(t), "--runs", str(args.runs),
                        "--warmup", str(args.warmup)] + [x for f in input_files for x in ("--input", f)])
            results = {"vireo": [], "ort": []}
            for r in range(args.rounds):
                # Alternate who goes first, so drift in the machine's load hits both alike.
                order = ("ort", "vireo") if r % 2 == 0 else ("vireo", "ort")
                for engine in order:
                    cmd = vireo_cmd if engine == "vireo" else ort_cmd
                    results[engine].append(last_json_line(run(cmd, args.timeout), cmd))
            med = lambda engine, key: statistics.median(x[key] for x in results[engine])
            if args.stat == "median":
                latency = lambda engine: med(engine, "median_ms")
            else:
                latency = lambda engine: min(x["min_ms"] for x in results[engine])
            row = {
                "model": label, "threads": t, "flops": flops, "flops_complete": flops_complete,
                "ort_ms": latency("ort"), "vireo_ms": latency("vireo"),
                "ort_load_ms": med("ort", "load_ms"), "vireo_load_ms": med("vireo", "load_ms"),
                "ort_rss_mb": med("ort", "peak_rss_mb"), "ort_base_rss_mb": med("ort", "base_rss_mb"),
                "vireo_rss_mb": med("vireo", "peak_rss_mb"), "vireo_base_rss_mb": vireo_base_rss,
                "max_rel_diff": err, "isa": results["vireo"][0].get("isa", "?"),
                "ort_version": results["ort"][0].get("version", "?"),
            }
            rows.append(row)
            raw.append({"model": path, "threads": t, "rounds": results, "row": row})
            print(f"{label} t={t}: ORT {row['ort_ms']:.3f} ms, vireo {row['vireo_ms']:.3f} ms, "
                  f"ratio {row['vireo_ms'] / row['ort_ms']:.2f}, diff {err:.1e}", file=sys.stderr)

    table = render(rows, peaks, args, started, load_before, os.getloadavg())
    print(table)
    if args.markdown_out:
        with open(args.markdown_out, "w") as f:
            f.write(table)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"started": started, "peaks_gflops": peaks, "measurements": raw}, f, indent=1)
    return 0


def ort_version(rows):
    return ", ".join(sorted({r["ort_version"] for r in rows}))


def render(rows, peaks, args, started, load_before, load_after):
    def gflops(row, ms):
        if not row["flops"]:
            return "–"
        g = row["flops"] / (ms * 1e-3) / 1e9
        text = f"{g:.1f}" if row["flops_complete"] else f"≥{g:.1f}"
        peak = peaks.get(row["isa"])
        return f"{text} ({100 * g / (peak * row['threads']):.0f}%)" if peak else text

    stat_text = {"median": "the median over rounds of each round's median",
                 "min": "the fastest single run of all rounds"}

    def vireo_increase(row):
        base = row["vireo_base_rss_mb"]
        return "+?" if base is None else f"+{row['vireo_rss_mb'] - base:.0f}"

    lines = [
        f"Measured {started}: {args.rounds} alternating rounds × {args.runs} runs (+{args.warmup} warm-up) per "
        f"engine; latency is {stat_text[args.stat]}; load time and RSS are medians over rounds. Load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after.",
    ]
    isas = sorted({r["isa"] for r in rows})
    lines[0] += f" vireo ISA: {', '.join(isas)}; ONNX Runtime: onnxruntime-node {ort_version(rows)}."
    if peaks:
        lines.append("FMA peak per thread, measured by vireo_bench just before: " +
                     ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in sorted(peaks.items())) +
                     "; (x%) is the share of threads × the peak of vireo's ISA.")
    lines += [
        "",
        f"| model | threads | ORT {args.stat} ms | vireo {args.stat} ms | vireo/ORT | ORT GFLOP/s | vireo GFLOP/s | max\\|Δ\\|/max\\|ORT\\| "
        "| load ms ORT / vireo | peak RSS MB ORT (+over node) / vireo (+over idle) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['threads']} | {r['ort_ms']:.3f} | {r['vireo_ms']:.3f} | "
            f"{r['vireo_ms'] / r['ort_ms']:.2f} | {gflops(r, r['ort_ms'])} | {gflops(r, r['vireo_ms'])} | "
            f"{r['max_rel_diff']:.1e} | {r['ort_load_ms']:.1f} / {r['vireo_load_ms']:.1f} | "
            f"{r['ort_rss_mb']:.0f} (+{r['ort_rss_mb'] - r['ort_base_rss_mb']:.0f}) / "
            f"{r['vireo_rss_mb']:.0f} ({vireo_increase(r)}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

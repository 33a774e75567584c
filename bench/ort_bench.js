#!/usr/bin/env node
// ort_bench.js — times one ONNX model under ONNX Runtime (onnxruntime-node) the
// way `vireo bench` times it, and prints one JSON line with the same fields.
//
//   node bench/ort_bench.js --model M.onnx [--threads N] [--runs R] [--warmup W]
//                           [--input FILE.npy | NAME=FILE.npy]... [--ort DIR]
//
// Without --input, each model input gets the seeded values `vireo bench` makes
// (std::mt19937(42), uniform [-1, 1) floats, drawn input after input; symbolic
// dims are 1), so both engines see the same data. With --input, float32, int64,
// int32 and bool .npy files are read (little-endian, C order).
//
// Session: intraOpNumThreads N (default 1), interOpNumThreads 1, sequential
// execution, graph optimization 'all', CPU provider. One untimed first run
// (first_ms), W warm-up runs (default 3), then R timed runs (default 20).
// load_ms is InferenceSession.create (read, optimise, initialise). peak_rss_mb
// is the process's maximum RSS; base_rss_mb the RSS before the session existed
// (Node itself), so their difference is what ONNX Runtime added.
'use strict';
const fs = require('fs');
const path = require('path');

function fail(msg) {
  process.stderr.write(`ort_bench: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const a = { model: null, threads: 1, runs: 20, warmup: 3, inputs: [], ort: null };
  const int = (k, v, lo) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < lo) fail(`${k} wants an integer >= ${lo}, got '${v}'`);
    return x;
  };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    const val = () => { if (i + 1 >= argv.length) fail(`${k} needs a value`); return argv[++i]; };
    switch (k) {
      case '--model': a.model = val(); break;
      case '--threads': a.threads = int(k, val(), 1); break;
      case '--runs': a.runs = int(k, val(), 1); break;
      case '--warmup': a.warmup = int(k, val(), 0); break;
      case '--input': a.inputs.push(val()); break;
      case '--ort': a.ort = val(); break;
      case '-h': case '--help': {
        const src = fs.readFileSync(__filename, 'utf8').split('\n');
        const end = src.findIndex((l) => l.startsWith("'use strict'"));
        process.stdout.write(src.slice(1, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
        process.exit(0);
      }
      default: fail(`unknown argument '${k}' (--help for usage)`);
    }
  }
  if (!a.model) fail('--model is required (--help for usage)');
  return a;
}

function loadOrt(dir) {
  const candidates = dir ? [dir] : [process.env.ORT_NODE_DIR, '/work/ort-npm/node_modules/onnxruntime-node',
                                    'onnxruntime-node'].filter(Boolean);
  const errors = [];
  for (const c of candidates) {
    try {
      return require(c.startsWith('/') || c.startsWith('.') ? path.resolve(c) : c);
    } catch (e) {
      errors.push(`${c}: ${e.message.split('\n')[0]}`);
    }
  }
  return fail(`cannot load onnxruntime-node:\n  ${errors.join('\n  ')}`);
}

// std::mt19937, so the default inputs are bit-identical to vireo bench's.
class Mt19937 {
  constructor(seed) {
    this.mt = new Uint32Array(624);
    this.index = 624;
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; ++i) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }
  next() {
    if (this.index >= 624) {
      for (let i = 0; i < 624; ++i) {
        const y = (this.mt[i] & 0x80000000) | (this.mt[(i + 1) % 624] & 0x7fffffff);
        this.mt[i] = this.mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
  // libstdc++'s uniform_real_distribution<float>(-1, 1): float(u32) / 2^32,
  // kept below 1, then scaled and shifted in float arithmetic.
  uniformMinusOneToOne() {
    let r = Math.fround(Math.fround(this.next()) / 4294967296);
    if (r >= 1) r = Math.fround(1 - 2 ** -24);
    return Math.fround(Math.fround(r * 2) - 1);
  }
}

function seededInputs(ort, session) {
  const rng = new Mt19937(42);
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const meta = (session.inputMetadata || [])[i] || {};
    const shape = (meta.shape || []).map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const n = shape.reduce((x, y) => x * y, 1);
    const type = meta.type || 'float32';
    let data;
    if (type === 'float32') {
      data = new Float32Array(n);
      for (let j = 0; j < n; ++j) data[j] = rng.uniformMinusOneToOne();
    } else if (type === 'bool') {
      data = new Uint8Array(n);
      for (let j = 0; j < n; ++j) data[j] = rng.next() & 1;
    } else if (type === 'int64' || type === 'uint64') {
      data = type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
    } else {
      const Arr = { int32: Int32Array, uint32: Uint32Array, int16: Int16Array, uint16: Uint16Array, int8: Int8Array,
                    uint8: Uint8Array, float64: Float64Array, float16: Uint16Array }[type];
      if (!Arr) fail(`input ${name}: no default data for type ${type}; pass --input`);
      data = new Arr(n);
    }
    feeds[name] = new ort.Tensor(type, data, shape);
  });
  return feeds;
}

const NPY_TYPES = { f4: ['float32', Float32Array], i8: ['int64', BigInt64Array], i4: ['int32', Int32Array],
                    b1: ['bool', Uint8Array], u1: ['uint8', Uint8Array], f8: ['float64', Float64Array] };

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 1, 6) !== 'NUMPY') fail(`${file}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr'\s*:\s*'[<|=]?([^']*)'/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shapeM || /'fortran_order'\s*:\s*True/.test(header)) fail(`${file}: unsupported header ${header}`);
  const t = NPY_TYPES[descr[1] === '?' ? 'b1' : descr[1]];
  if (!t) fail(`${file}: unsupported dtype ${descr[1]}`);
  const shape = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const n = shape.reduce((x, y) => x * y, 1);
  const bytes = n * t[1].BYTES_PER_ELEMENT, start = hstart + hlen;
  if (buf.length - start < bytes) fail(`${file}: truncated data`);
  const ab = new ArrayBuffer(bytes);
  new Uint8Array(ab).set(buf.subarray(start, start + bytes));
  return { type: t[0], shape, data: new t[1](ab) };
}

function fileInputs(ort, session, specs) {
  const feeds = {};
  let pos = 0;
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    let name = null, file = spec;
    if (eq > 0 && session.inputNames.includes(spec.slice(0, eq))) { name = spec.slice(0, eq); file = spec.slice(eq + 1); }
    else {
      if (pos >= session.inputNames.length) fail(`more inputs than the model's ${session.inputNames.length}`);
      name = session.inputNames[pos++];
    }
    const a = readNpy(file);
    feeds[name] = new ort.Tensor(a.type, a.data, a.shape);
  }
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length) fail(`no value for input(s) ${missing.join(', ')}`);
  return feeds;
}

const msSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// Peak RSS of this process image in MB. VmHWM, where Linux has it, because the
// rusage maximum also counts the parent's RSS at fork (it survives execve).
function peakRssMb() {
  try {
    const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch (e) { /* not Linux: fall through */ }
  return process.resourceUsage().maxRSS / 1024;  // maxRSS is in KiB
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = loadOrt(args.ort);
  const baseRssMb = process.memoryUsage().rss / (1024 * 1024);
  let t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(args.model, {
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
  const loadMs = msSince(t0);
  const feeds = args.inputs.length ? fileInputs(ort, session, args.inputs) : seededInputs(ort, session);

  t0 = process.hrtime.bigint();
  await session.run(feeds);
  const firstMs = msSince(t0);
  for (let i = 0; i < args.warmup; ++i) await session.run(feeds);
  const lat = [];
  for (let i = 0; i < args.runs; ++i) {
    t0 = process.hrtime.bigint();
    await session.run(feeds);
    lat.push(msSince(t0));
  }
  lat.sort((x, y) => x - y);
  const n = lat.length;
  const pct = (p) => lat[Math.min(n - 1, Math.round(p * (n - 1)))];
  const median = n % 2 ? lat[(n - 1) / 2] : 0.5 * (lat[n / 2 - 1] + lat[n / 2]);
  console.log(JSON.stringify({
    model: args.model, engine: 'onnxruntime-node', version: ort.env.versions.common,
    load_ms: +loadMs.toFixed(3), first_ms: +firstMs.toFixed(3), median_ms: +median.toFixed(4),
    min_ms: +lat[0].toFixed(4), p90_ms: +pct(0.9).toFixed(4), max_ms: +lat[n - 1].toFixed(4), runs: n,
    peak_rss_mb: +peakRssMb().toFixed(2), base_rss_mb: +baseRssMb.toFixed(2), threads: args.threads,
  }));
  if (typeof session.release === 'function') await session.release();
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));

#!/usr/bin/env node
// ort_run.js — runs one ONNX model under ONNX Runtime (onnxruntime-node) on
// .npy inputs and writes each output as .npy. Used to make the reference
// outputs of tests/models (see tests/models/README.md).
//
//   node tools/ort/ort_run.js --model M.onnx [options] [INPUT.npy | NAME=INPUT.npy]...
//
// Inputs given bare are matched to the model's inputs in declaration order;
// NAME=FILE feeds the input NAME. Outputs go to DIR/PREFIX<i>SUFFIX.npy, i the
// output's declaration index (default ./output_0.npy, ./output_1.npy, ...).
//
// Options:
//   --model FILE        the model (required)
//   --out-dir DIR       where outputs go (default .)
//   --prefix P          output file prefix (default output_)
//   --suffix S          output file suffix before .npy (default empty)
//   --threads N         intra-op threads (default 1: deterministic reductions)
//   --inter-threads N   inter-op threads (default 1)
//   --opt LEVEL         graph optimisation: disabled|basic|extended|layout|all (default all)
//   --ort DIR           onnxruntime-node package dir (default $ORT_NODE_DIR,
//                       else /work/ort-npm/node_modules/onnxruntime-node,
//                       else require('onnxruntime-node') through NODE_PATH)
//   --info              print the model's inputs/outputs and exit
//   --quiet             no summary on stdout
//
// The .npy reader/writer handles format versions 1-3, little-endian C order,
// dtypes float32/float64/float16/int8/uint8/int16/uint16/int32/uint32/int64/
// uint64/bool. float16 goes to ORT as raw uint16 bits.
'use strict';
const fs = require('fs');
const path = require('path');

// ------------------------------------------------------------------ npy

// numpy descr (without byte-order char) <-> ORT tensor type and typed array.
const NPY_TYPES = {
  f4: { ort: 'float32', Arr: Float32Array },
  f8: { ort: 'float64', Arr: Float64Array },
  f2: { ort: 'float16', Arr: Uint16Array },
  i1: { ort: 'int8', Arr: Int8Array },
  u1: { ort: 'uint8', Arr: Uint8Array },
  i2: { ort: 'int16', Arr: Int16Array },
  u2: { ort: 'uint16', Arr: Uint16Array },
  i4: { ort: 'int32', Arr: Int32Array },
  u4: { ort: 'uint32', Arr: Uint32Array },
  i8: { ort: 'int64', Arr: BigInt64Array },
  u8: { ort: 'uint64', Arr: BigUint64Array },
  b1: { ort: 'bool', Arr: Uint8Array },
};
const ORT_TO_NPY = {};
for (const [k, v] of Object.entries(NPY_TYPES)) ORT_TO_NPY[v.ort] = k;

function fail(msg) {
  process.stderr.write(`ort_run: ${msg}\n`);
  process.exit(1);
}

// Returns { dtype: 'f4'|..., shape: number[], data: TypedArray }.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);  // \x93NUMPY
  if (buf.length < 10 || !buf.subarray(0, 6).equals(magic)) fail(`${file}: not a .npy file`);
  const major = buf[6];
  let hlen, hstart;
  if (major === 1) { hlen = buf.readUInt16LE(8); hstart = 10; }
  else if (major === 2 || major === 3) { hlen = buf.readUInt32LE(8); hstart = 12; }
  else fail(`${file}: unsupported .npy version ${major}`);
  if (hstart + hlen > buf.length) fail(`${file}: truncated header`);
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', hstart, hstart + hlen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) fail(`${file}: malformed header ${JSON.stringify(header)}`);
  if (fortran[1] === 'True') fail(`${file}: Fortran-order arrays are not supported`);
  let d = descr[1];
  const order = d[0];
  if ('<>|='.includes(order)) d = d.slice(1);
  if (d === '?') d = 'b1';
  const t = NPY_TYPES[d];
  if (!t) fail(`${file}: unsupported dtype ${descr[1]}`);
  const esize = t.Arr.BYTES_PER_ELEMENT;
  if (order === '>' && esize > 1) fail(`${file}: big-endian data is not supported`);
  const shape = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  if (shape.some((x) => !Number.isInteger(x) || x < 0)) fail(`${file}: bad shape (${shapeM[1]})`);
  const n = shape.reduce((a, b) => a * b, 1);
  const start = hstart + hlen;
  if (buf.length - start < n * esize) fail(`${file}: ${buf.length - start} data bytes, need ${n * esize}`);
  // Copy into a fresh, aligned ArrayBuffer.
  const ab = new ArrayBuffer(n * esize);
  new Uint8Array(ab).set(buf.subarray(start, start + n * esize));
  return { dtype: d, shape, data: new t.Arr(ab) };
}

function writeNpy(file, dtype, shape, data) {
  const descr = (dtype === 'b1' ? '|b1' : (NPY_TYPES[dtype].Arr.BYTES_PER_ELEMENT === 1 ? '|' : '<') + dtype);
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

// ------------------------------------------------------------------ args

function parseArgs(argv) {
  const a = { model: null, outDir: '.', prefix: 'output_', suffix: '', threads: 1, interThreads: 1,
              opt: 'all', ort: null, info: false, quiet: false, inputs: [] };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    const val = () => { if (i + 1 >= argv.length) fail(`${k} needs a value`); return argv[++i]; };
    switch (k) {
      case '--model': a.model = val(); break;
      case '--out-dir': a.outDir = val(); break;
      case '--prefix': a.prefix = val(); break;
      case '--suffix': a.suffix = val(); break;
      case '--threads': a.threads = parseInt(val(), 10); break;
      case '--inter-threads': a.interThreads = parseInt(val(), 10); break;
      case '--opt': a.opt = val(); break;
      case '--ort': a.ort = val(); break;
      case '--info': a.info = true; break;
      case '--quiet': a.quiet = true; break;
      case '-h': case '--help': {
        const src = fs.readFileSync(__filename, 'utf8').split('\n');
        const end = src.findIndex((l) => l.startsWith("'use strict'"));
        process.stdout.write(src.slice(1, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
        process.exit(0);
      }
      default:
        if (k.startsWith('--')) fail(`unknown option ${k}`);
        a.inputs.push(k);
    }
  }
  if (!a.model) fail('--model is required (--help for usage)');
  if (!Number.isInteger(a.threads) || a.threads < 0) fail('--threads wants an integer >= 0');
  return a;
}

function loadOrt(dir) {
  const candidates = [];
  if (dir) candidates.push(dir);
  else {
    if (process.env.ORT_NODE_DIR) candidates.push(process.env.ORT_NODE_DIR);
    candidates.push('/work/ort-npm/node_modules/onnxruntime-node');
    candidates.push('onnxruntime-node');
  }
  const errors = [];
  for (const c of candidates) {
    try {
      return require(c.startsWith('/') || c.startsWith('.') ? path.resolve(c) : c);
    } catch (e) {
      errors.push(`${c}: ${e.message.split('\n')[0]}`);
    }
  }
  fail(`cannot load onnxruntime-node:\n  ${errors.join('\n  ')}`);
}

// ------------------------------------------------------------------ main

function describeMeta(m) {
  if (!m) return '';
  const shape = m.shape ? `[${m.shape.map((d) => (typeof d === 'string' ? d || '?' : d)).join(',')}]` : '';
  return `${m.type || ''}${shape}`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = loadOrt(args.ort);
  const levels = ['disabled', 'basic', 'extended', 'layout', 'all'];
  if (!levels.includes(args.opt)) fail(`--opt must be one of ${levels.join('|')}`);
  const session = await ort.InferenceSession.create(args.model, {
    intraOpNumThreads: args.threads,
    interOpNumThreads: args.interThreads,
    graphOptimizationLevel: args.opt,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  });
  const inMeta = session.inputMetadata || [];
  const outMeta = session.outputMetadata || [];
  if (args.info) {
    console.log(`onnxruntime-node ${ort.env.versions.node || ''} (common ${ort.env.versions.common})`);
    session.inputNames.forEach((n, i) => console.log(`input  ${i} ${n} ${describeMeta(inMeta[i])}`));
    session.outputNames.forEach((n, i) => console.log(`output ${i} ${n} ${describeMeta(outMeta[i])}`));
    return;
  }

  const feeds = {};
  let pos = 0;
  for (const spec of args.inputs) {
    let name, file;
    const eq = spec.indexOf('=');
    if (eq > 0 && session.inputNames.includes(spec.slice(0, eq))) {
      name = spec.slice(0, eq);
      file = spec.slice(eq + 1);
    } else {
      if (pos >= session.inputNames.length) fail(`more inputs than the model's ${session.inputNames.length}`);
      name = session.inputNames[pos++];
      file = spec;
    }
    const a = readNpy(file);
    feeds[name] = new ort.Tensor(NPY_TYPES[a.dtype].ort, a.data, a.shape);
  }
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length) fail(`no value for input(s) ${missing.join(', ')}`);

  const t0 = process.hrtime.bigint();
  const results = await session.run(feeds);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;

  fs.mkdirSync(args.outDir, { recursive: true });
  session.outputNames.forEach((name, i) => {
    const t = results[name];
    const d = ORT_TO_NPY[t.type];
    if (!d) fail(`output ${name}: type ${t.type} cannot be written as .npy`);
    const file = path.join(args.outDir, `${args.prefix}${i}${args.suffix}.npy`);
    writeNpy(file, d, t.dims.map(Number), t.data);
    if (!args.quiet) {
      let maxAbs = 0;
      if (d[0] === 'f' && d !== 'f2') for (const v of t.data) maxAbs = Math.max(maxAbs, Math.abs(v));
      const stat = d[0] === 'f' && d !== 'f2' ? ` max|x| ${maxAbs.toPrecision(6)}` : '';
      console.log(`${file}: ${name} ${t.type}[${t.dims.join(',')}]${stat}`);
    }
  });
  if (!args.quiet) {
    console.log(`onnxruntime-node ${ort.env.versions.node || ort.env.versions.common}, ` +
                `${args.threads} intra-op thread(s), opt ${args.opt}, run ${ms.toFixed(2)} ms`);
  }
  if (typeof session.release === 'function') await session.release();
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));

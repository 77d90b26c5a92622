#!/usr/bin/env node
// Checks the converter's weight decoding against TF.js's own decoder (tf.io.decodeWeights): on the given
// models as stored, and on the same weights re-quantized to uint8 and uint16 (affine) and float16, which
// covers the quantization paths the shipped face models do not all use.
//
// Usage: node test.mjs <model.json>...
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readWeights } from './convert.mjs';

let failures = 0;
function check(label, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${detail ? ` ${detail}` : ''}`);
  if (!ok) failures++;
}

function compare(label, mine, theirs) {
  let worst = 0;
  let count = 0;
  for (const [name, t] of Object.entries(theirs)) {
    const expected = t.dataSync();
    const got = mine.get(name).data;
    if (got.length !== expected.length) { check(`${label} ${name}`, false, 'length differs'); return; }
    for (let i = 0; i < got.length; i++) {
      if (!(Object.is(got[i], expected[i]) || got[i] === expected[i])) worst = Math.max(worst, Math.abs(got[i] - expected[i]) || Infinity);
    }
    count++;
  }
  check(label, worst === 0 && count === mine.size, `${count} tensors, max difference ${worst}`);
}

function toFloat16(v) {
  // round-to-nearest-even float32 -> float16 bits (finite normal and subnormal values)
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  return sign | h;
}

function requantize(json, weights, kind) {
  const specs = [];
  const parts = [];
  for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
    const data = weights.get(w.name).data;
    if (w.dtype !== 'float32') {
      const b = Buffer.alloc(data.length * 4);
      data.forEach((v, i) => b.writeInt32LE(v, 4 * i));
      specs.push({ name: w.name, shape: w.shape, dtype: w.dtype });
      parts.push(b);
      continue;
    }
    if (kind === 'float16') {
      const b = Buffer.alloc(data.length * 2);
      data.forEach((v, i) => b.writeUInt16LE(toFloat16(v), 2 * i));
      specs.push({ name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
      parts.push(b);
      continue;
    }
    const bits = kind === 'uint8' ? 8 : 16;
    let min = Infinity; let max = -Infinity;
    for (const v of data) { min = Math.min(min, v); max = Math.max(max, v); }
    const scale = max > min ? (max - min) / (2 ** bits - 1) : 1;
    const b = Buffer.alloc(data.length * bits / 8);
    data.forEach((v, i) => {
      const q = Math.round((v - min) / scale);
      if (bits === 8) b[i] = q; else b.writeUInt16LE(q, 2 * i);
    });
    specs.push({ name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: kind, min, scale } });
    parts.push(b);
  }
  return { specs, data: Buffer.concat(parts) };
}

const arrayBuffer = (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);

const models = process.argv.slice(2);
if (models.length === 0) {
  console.error('usage: node test.mjs <model.json>...');
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-to-onnx-'));
try {
  for (const modelPath of models) {
    const label = path.basename(modelPath, '.json');
    const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
    const mine = readWeights(modelPath, json);
    const dir = path.dirname(modelPath);
    const shards = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
    compare(`${label} as stored`, mine, tf.io.decodeWeights(arrayBuffer(shards), json.weightsManifest.flatMap((g) => g.weights)));
    for (const kind of ['uint8', 'uint16', 'float16']) {
      const q = requantize(json, mine, kind);
      const qJson = { ...json, weightsManifest: [{ paths: ['q.bin'], weights: q.specs }] };
      fs.writeFileSync(path.join(tmp, 'q.bin'), q.data);
      const qMine = readWeights(path.join(tmp, 'q.json'), qJson);
      compare(`${label} as ${kind}`, qMine, tf.io.decodeWeights(arrayBuffer(q.data), q.specs));
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);

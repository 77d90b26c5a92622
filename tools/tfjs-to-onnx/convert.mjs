#!/usr/bin/env node
// Converts a TF.js graph model (model.json + binary weight shards) into an ONNX model (opset 17, IR 8).
//
// Usage: node convert.mjs <model.json> <out.onnx>
//
// The ONNX protobuf is written by hand (see the small writer below). The graph keeps the NHWC interface of
// the TF.js model: 4-D inputs get a Transpose to NCHW, the body runs in NCHW, and 4-D tensors are transposed
// back to NHWC where a layout-sensitive op (Reshape) or a graph output needs them.
import fs from 'node:fs';
import path from 'node:path';

// ---------------------------------------------------------------------------------------------------------
// Minimal protobuf writer
// ---------------------------------------------------------------------------------------------------------
class PB {
  constructor() { this.chunks = []; this.length = 0; }
  push(buf) { this.chunks.push(buf); this.length += buf.length; }
  varint(v) {
    let n = BigInt.asUintN(64, BigInt(v));
    const out = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n !== 0n) b |= 0x80;
      out.push(b);
    } while (n !== 0n);
    this.push(Buffer.from(out));
  }
  key(field, wire) { this.varint((field << 3) | wire); }
  int(field, v) { this.key(field, 0); this.varint(v); }
  float(field, v) { this.key(field, 5); const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
  bytes(field, buf) { this.key(field, 2); this.varint(buf.length); this.push(buf); }
  string(field, s) { this.bytes(field, Buffer.from(s, 'utf8')); }
  msg(field, pb) { this.bytes(field, pb.toBuffer()); }
  packedInts(field, arr) {
    const inner = new PB();
    for (const v of arr) inner.varint(v);
    this.bytes(field, inner.toBuffer());
  }
  toBuffer() { return Buffer.concat(this.chunks, this.length); }
}

// onnx.proto enums
const DT = { FLOAT: 1, INT32: 6, INT64: 7 };
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 };

function tensorProto(name, dataType, dims, raw) {
  const t = new PB();
  for (const d of dims) t.int(1, d); // dims (repeated int64, unpacked is accepted)
  t.int(2, dataType);
  t.string(8, name);
  t.bytes(9, raw); // raw_data, little-endian
  return t;
}

function attributeProto(name, value) {
  const a = new PB();
  a.string(1, name);
  if (typeof value === 'string') {
    a.bytes(4, Buffer.from(value, 'utf8'));
    a.int(20, ATTR.STRING);
  } else if (Array.isArray(value)) {
    for (const v of value) a.int(8, v);
    a.int(20, ATTR.INTS);
  } else if (typeof value === 'object' && 'float' in value) {
    a.float(2, value.float);
    a.int(20, ATTR.FLOAT);
  } else if (Number.isInteger(value)) {
    a.int(3, value);
    a.int(20, ATTR.INT);
  } else {
    throw new Error(`attribute ${name}: integer, integer list, string or { float } expected`);
  }
  return a;
}

function nodeProto(op, inputs, outputs, name, attrs = {}) {
  const n = new PB();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, name);
  n.string(4, op);
  for (const [k, v] of Object.entries(attrs)) n.msg(5, attributeProto(k, v));
  return n;
}

function valueInfoProto(name, elemType, dims) {
  const shape = new PB();
  for (const d of dims) {
    const dim = new PB();
    if (typeof d === 'number' && d >= 0) dim.int(1, d);
    else dim.string(2, typeof d === 'string' ? d : 'batch');
    shape.msg(1, dim);
  }
  const tensorType = new PB();
  tensorType.int(1, elemType);
  tensorType.msg(2, shape);
  const type = new PB();
  type.msg(1, tensorType);
  const v = new PB();
  v.string(1, name);
  v.msg(2, type);
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// TF.js weights
// ---------------------------------------------------------------------------------------------------------
function halfToFloat(h) {
  const s = (h & 0x8000) ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const BYTES = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

export function readWeights(modelPath, json) {
  const dir = path.dirname(modelPath);
  const weights = new Map();
  for (const group of json.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      const storedType = q ? q.dtype : w.dtype;
      if (!(storedType in BYTES)) throw new Error(`weight ${w.name}: unsupported dtype ${storedType}`);
      const size = count * BYTES[storedType];
      const bytes = buf.subarray(offset, offset + size);
      offset += size;
      let data;
      if (!q) {
        if (w.dtype === 'float32') data = Float32Array.from({ length: count }, (_, i) => bytes.readFloatLE(4 * i));
        else if (w.dtype === 'int32') data = Int32Array.from({ length: count }, (_, i) => bytes.readInt32LE(4 * i));
        else if (w.dtype === 'bool') data = Int32Array.from(bytes);
        else throw new Error(`weight ${w.name}: unsupported dtype ${w.dtype}`);
      } else if (q.dtype === 'float16') {
        data = Float32Array.from({ length: count }, (_, i) => halfToFloat(bytes.readUInt16LE(2 * i)));
      } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
        // affine quantization: value = q * scale + min
        const read = q.dtype === 'uint8' ? (i) => bytes[i] : (i) => bytes.readUInt16LE(2 * i);
        const scale = q.scale;
        const min = q.min;
        const vals = Float64Array.from({ length: count }, (_, i) => read(i) * scale + min);
        data = w.dtype === 'int32' ? Int32Array.from(vals, Math.round) : Float32Array.from(vals);
      } else {
        throw new Error(`weight ${w.name}: unsupported quantization ${q.dtype}`);
      }
      weights.set(w.name, { name: w.name, dtype: w.dtype, shape: w.shape, data });
    }
    if (offset !== buf.length) throw new Error(`weights use ${offset} bytes but shards hold ${buf.length}`);
  }
  return weights;
}

// ---------------------------------------------------------------------------------------------------------
// Graph conversion
// ---------------------------------------------------------------------------------------------------------
const b64 = (s) => Buffer.from(s, 'base64').toString('utf8');
const attrS = (n, k) => (n.attr && n.attr[k] && n.attr[k].s !== undefined ? b64(n.attr[k].s) : undefined);
const attrInts = (n, k) => (n.attr && n.attr[k] && n.attr[k].list ? (n.attr[k].list.i || []).map(Number) : undefined);
const attrList = (n, k) => (n.attr && n.attr[k] && n.attr[k].list ? (n.attr[k].list.s || []).map(b64) : []);

function f32raw(arr) {
  const b = Buffer.alloc(arr.length * 4);
  for (let i = 0; i < arr.length; i++) b.writeFloatLE(arr[i], 4 * i);
  return b;
}
function i64raw(arr) {
  const b = Buffer.alloc(arr.length * 8);
  for (let i = 0; i < arr.length; i++) b.writeBigInt64LE(BigInt(arr[i]), 8 * i);
  return b;
}

// HWIO -> OIHW
function convFilter(w) {
  const [H, W, I, O] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let h = 0; h < H; h++) for (let x = 0; x < W; x++) for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) {
    out[((o * I + i) * H + h) * W + x] = w.data[((h * W + x) * I + i) * O + o];
  }
  return { shape: [O, I, H, W], data: out };
}
// depthwise HW,C,M -> (C*M),1,H,W with output channel c*M+m
function depthwiseFilter(w) {
  const [H, W, C, M] = w.shape;
  const out = new Float32Array(w.data.length);
  for (let h = 0; h < H; h++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) for (let m = 0; m < M; m++) {
    out[((c * M + m) * H + h) * W + x] = w.data[((h * W + x) * C + c) * M + m];
  }
  return { shape: [C * M, 1, H, W], data: out, groups: C };
}
// a constant that broadcasts against an NHWC tensor -> the same constant for NCHW
function nhwcConstToNchw(w) {
  const shape = [...w.shape];
  while (shape.length < 4) shape.unshift(1);
  const [N, H, W, C] = shape;
  const out = new Float32Array(w.data.length);
  for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) {
    out[((n * C + c) * H + h) * W + x] = w.data[((n * H + h) * W + x) * C + c];
  }
  // drop leading 1s so that the rank stays what broadcasting needs
  const nchw = [N, C, H, W];
  while (nchw.length > 1 && nchw[0] === 1 && nchw.length > w.shape.length) nchw.shift();
  return { shape: nchw, data: out };
}

export function convert(modelPath) {
  const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  if (json.format !== 'graph-model') throw new Error(`not a TF.js graph model: ${json.format}`);
  const weights = readWeights(modelPath, json);
  const nodes = json.modelTopology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const signature = json.signature || (json.userDefinedMetadata && json.userDefinedMetadata.signature) || null;

  const onnxNodes = [];
  const initializers = [];
  const initNames = new Set();
  const layout = new Map(); // tensor name -> 'NCHW' | 'plain'
  const rank = new Map();
  const opsUsed = new Map();
  let uid = 0;
  const fresh = (base) => `${base}__${uid++}`;
  const clean = (s) => s.replace(/:0$/, '');
  const alias = new Map(); // TF node name -> ONNX tensor name, where the plain name is taken by a graph input
  const src = (name) => { const s = clean(name.replace(/^\^/, '')); return alias.get(s) || s; };

  function addInit(name, dataType, dims, raw) {
    if (initNames.has(name)) return name;
    initNames.add(name);
    initializers.push(tensorProto(name, dataType, dims, raw));
    return name;
  }
  function emit(op, inputs, outputs, attrs = {}, name = undefined) {
    onnxNodes.push(nodeProto(op, inputs, outputs, name || fresh(op), attrs));
  }
  function toNhwc(t) {
    if (layout.get(t) !== 'NCHW') return t;
    const out = `${t}__nhwc`;
    if (!initNames.has(out) && !layout.has(out)) {
      emit('Transpose', [t], [out], { perm: [0, 2, 3, 1] });
      layout.set(out, 'plain');
      rank.set(out, 4);
    }
    return out;
  }
  const weight = (name) => {
    const w = weights.get(src(name));
    if (!w) throw new Error(`constant ${name} not found in weights`);
    return w;
  };
  const isConst = (name) => { const n = byName.get(src(name)); return n && n.op === 'Const'; };
  function constForNchw(name) {
    const w = weight(name);
    const c = nhwcConstToNchw(w);
    return addInit(`${src(name)}__nchw`, DT.FLOAT, c.shape, f32raw(c.data));
  }
  function constPlain(name) {
    const w = weight(name);
    if (w.dtype === 'int32') return addInit(src(name), DT.INT64, w.shape, i64raw(w.data));
    return addInit(src(name), DT.FLOAT, w.shape, f32raw(w.data));
  }
  // elementwise operand: constants follow the layout of the other operand
  function operand(name, nchw) {
    if (isConst(name)) return nchw ? constForNchw(name) : constPlain(name);
    return nchw ? src(name) : toNhwc(src(name));
  }

  function spatialAttrs(n, kernel) {
    const strides = attrInts(n, 'strides') || [1, 1, 1, 1];
    const dil = attrInts(n, 'dilations') || [1, 1, 1, 1];
    const fmt = attrS(n, 'data_format') || 'NHWC';
    if (fmt !== 'NHWC') throw new Error(`${n.name}: data_format ${fmt} not supported`);
    const padding = attrS(n, 'padding');
    const a = { kernel_shape: kernel, strides: [strides[1], strides[2]] };
    if (dil[1] !== 1 || dil[2] !== 1) a.dilations = [dil[1], dil[2]];
    if (padding === 'SAME') a.auto_pad = 'SAME_UPPER'; // TF puts the odd pixel at the end, like SAME_UPPER
    else if (padding === 'VALID') a.auto_pad = 'VALID';
    else throw new Error(`${n.name}: padding ${padding} not supported`);
    return a;
  }
  function activation(n, x, fused, extraArgs, out) {
    const act = fused.filter((f) => f !== 'BiasAdd');
    if (act.length === 0) return x;
    if (act.length > 1) throw new Error(`${n.name}: fused ops ${fused} not supported`);
    const kind = act[0];
    if (kind === 'Relu') emit('Relu', [x], [out]);
    else if (kind === 'Relu6') emit('Clip', [x, addInit('__zero', DT.FLOAT, [], f32raw([0])), addInit('__six', DT.FLOAT, [], f32raw([6]))], [out]);
    else if (kind === 'Prelu') emit('PRelu', [x, constForNchw(extraArgs[0])], [out]);
    else if (kind === 'Elu') emit('Elu', [x], [out]);
    else if (kind === 'Sigmoid') emit('Sigmoid', [x], [out]);
    else throw new Error(`${n.name}: fused activation ${kind} not supported`);
    return out;
  }

  // graph outputs: the signature's outputs if known, otherwise the nodes nothing consumes
  let outs;
  if (signature && signature.outputs) {
    outs = Object.entries(signature.outputs).map(([key, v]) => ({ name: clean(key), tensor: clean(v.name), v }));
  } else {
    const consumed = new Set(nodes.flatMap((n) => (n.input || []).map(src)));
    outs = nodes.filter((n) => n.op !== 'Const' && !consumed.has(n.name)).map((n) => ({ name: n.name, tensor: n.name }));
  }
  // names of the ONNX graph's inputs and outputs are kept free: TF nodes with those names get an alias
  const reserved = new Set(outs.map((o) => o.name));
  for (const n of nodes) if (n.op === 'Placeholder') reserved.add(sigName(signature, 'inputs', n.name) || n.name);

  const inputs = [];
  for (const n of nodes) {
    opsUsed.set(n.op, (opsUsed.get(n.op) || 0) + 1);
    let out = n.name;
    if (reserved.has(out)) { out = `${out}__tf`; alias.set(n.name, out); }
    const ins = (n.input || []).filter((i) => !i.startsWith('^'));
    switch (n.op) {
      case 'Const':
        break;
      case 'Placeholder': {
        const dims = n.attr.shape.shape.dim.map((d) => Number(d.size));
        const name = sigName(signature, 'inputs', n.name) || n.name;
        inputs.push(valueInfoProto(name, DT.FLOAT, dims.map((d) => (d < 0 ? 'batch' : d))));
        if (dims.length === 4) {
          emit('Transpose', [name], [out], { perm: [0, 3, 1, 2] });
          layout.set(out, 'NCHW');
        } else {
          emit('Identity', [name], [out]);
          layout.set(out, 'plain');
        }
        rank.set(out, dims.length);
        break;
      }
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        const depthwise = n.op.includes('Depthwise');
        const w = weight(ins[1]);
        const f = depthwise ? depthwiseFilter(w) : convFilter(w);
        const wName = addInit(`${src(ins[1])}__oihw`, DT.FLOAT, f.shape, f32raw(f.data));
        const attrs = spatialAttrs(n, [w.shape[0], w.shape[1]]);
        if (depthwise) attrs.group = f.groups;
        const fused = attrList(n, 'fused_ops');
        const convIn = [src(ins[0]), wName];
        let extra = ins.slice(2);
        if (fused.includes('BiasAdd')) {
          const b = weight(extra[0]);
          convIn.push(addInit(src(extra[0]), DT.FLOAT, [b.data.length], f32raw(b.data)));
          extra = extra.slice(1);
        } else if (fused.length > 0) {
          throw new Error(`${n.name}: fused ops without BiasAdd (${fused}) not supported`);
        }
        const hasAct = fused.some((x) => x !== 'BiasAdd');
        const convOut = hasAct ? `${out}__conv` : out;
        emit('Conv', convIn, [convOut], attrs, `${out}__Conv`);
        activation(n, convOut, fused, extra, out);
        layout.set(out, 'NCHW');
        rank.set(out, 4);
        break;
      }
      case 'BiasAdd':
      case 'Add':
      case 'AddV2':
      case 'Sub':
      case 'Mul':
      case 'RealDiv':
      case 'Maximum':
      case 'Minimum': {
        const onnxOp = { BiasAdd: 'Add', Add: 'Add', AddV2: 'Add', Sub: 'Sub', Mul: 'Mul', RealDiv: 'Div',
          Maximum: 'Max', Minimum: 'Min' }[n.op];
        const nchw = ins.some((i) => !isConst(i) && layout.get(src(i)) === 'NCHW');
        emit(onnxOp, ins.map((i) => operand(i, nchw)), [out]);
        layout.set(out, nchw ? 'NCHW' : 'plain');
        rank.set(out, nchw ? 4 : rank.get(src(ins.find((i) => !isConst(i)))));
        break;
      }
      case 'Prelu': {
        const nchw = layout.get(src(ins[0])) === 'NCHW';
        emit('PRelu', [operand(ins[0], nchw), operand(ins[1], nchw)], [out]);
        layout.set(out, layout.get(src(ins[0])));
        rank.set(out, rank.get(src(ins[0])));
        break;
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'Elu':
      case 'Identity': {
        emit(n.op, [src(ins[0])], [out]);
        layout.set(out, layout.get(src(ins[0])));
        rank.set(out, rank.get(src(ins[0])));
        break;
      }
      case 'Relu6': {
        emit('Clip', [src(ins[0]), addInit('__zero', DT.FLOAT, [], f32raw([0])),
          addInit('__six', DT.FLOAT, [], f32raw([6]))], [out]);
        layout.set(out, layout.get(src(ins[0])));
        rank.set(out, rank.get(src(ins[0])));
        break;
      }
      case 'MaxPool':
      case 'AvgPool': {
        const k = attrInts(n, 'ksize');
        const attrs = spatialAttrs(n, [k[1], k[2]]);
        if (n.op === 'AvgPool') attrs.count_include_pad = 0;
        emit(n.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', [src(ins[0])], [out], attrs);
        layout.set(out, 'NCHW');
        rank.set(out, 4);
        break;
      }
      case 'Pad':
      case 'PadV2': {
        const p = weight(ins[1]);
        const r = p.shape[0];
        const before = []; const after = [];
        for (let i = 0; i < r; i++) { before.push(p.data[2 * i]); after.push(p.data[2 * i + 1]); }
        const nchw = layout.get(src(ins[0])) === 'NCHW';
        const perm = nchw ? [0, 3, 1, 2] : [...Array(r).keys()];
        const pads = [...perm.map((i) => before[i]), ...perm.map((i) => after[i])];
        const padIn = [src(ins[0]), addInit(`${out}__pads`, DT.INT64, [pads.length], i64raw(pads))];
        if (n.op === 'PadV2') {
          const c = weight(ins[2]);
          padIn.push(addInit(`${out}__value`, DT.FLOAT, [], f32raw([c.data[0]])));
        }
        emit('Pad', padIn, [out], { mode: 'constant' });
        layout.set(out, layout.get(src(ins[0])));
        rank.set(out, r);
        break;
      }
      case 'Reshape': {
        const x = toNhwc(src(ins[0]));
        const s = weight(ins[1]);
        if (Array.from(s.data).includes(0)) throw new Error(`${n.name}: zero in target shape not supported`);
        emit('Reshape', [x, addInit(`${out}__shape`, DT.INT64, [s.data.length], i64raw(s.data))], [out]);
        layout.set(out, 'plain');
        rank.set(out, s.data.length);
        break;
      }
      case 'ConcatV2':
      case 'Concat': {
        const axisName = n.op === 'ConcatV2' ? ins[ins.length - 1] : ins[0];
        const parts = n.op === 'ConcatV2' ? ins.slice(0, -1) : ins.slice(1);
        let axis = weight(axisName).data[0];
        const nchw = parts.every((i) => !isConst(i) && layout.get(src(i)) === 'NCHW');
        const r = rank.get(src(parts.find((i) => !isConst(i))));
        if (axis < 0) axis += r;
        if (nchw) axis = [0, 2, 3, 1][axis];
        emit('Concat', parts.map((i) => operand(i, nchw)), [out], { axis });
        layout.set(out, nchw ? 'NCHW' : 'plain');
        rank.set(out, r);
        break;
      }
      default:
        throw new Error(`op ${n.op} (${n.name}) is not supported`);
    }
  }

  const outputs = [];
  for (const o of outs) {
    const t = toNhwc(src(o.tensor));
    if (t !== o.name) emit('Identity', [t], [o.name], {}, `${o.name}__output`);
    const dims = o.v && o.v.tensorShape ? o.v.tensorShape.dim.map((d) => Number(d.size)) : [];
    outputs.push(valueInfoProto(o.name, DT.FLOAT, dims.map((d) => (d < 0 ? 'batch' : d))));
  }

  const graph = new PB();
  for (const nd of onnxNodes) graph.msg(1, nd);
  graph.string(2, path.basename(modelPath, '.json'));
  for (const t of initializers) graph.msg(5, t);
  for (const i of inputs) graph.msg(11, i);
  for (const o of outputs) graph.msg(12, o);

  const opset = new PB();
  opset.string(1, '');
  opset.int(2, 17);
  const model = new PB();
  model.int(1, 8); // ir_version
  model.string(2, 'tfjs-to-onnx');
  model.string(3, '0.1.0');
  model.msg(7, graph);
  model.msg(8, opset);
  return { bytes: model.toBuffer(), opsUsed, inputs: inputs.length, outputs: outs.map((o) => o.name) };
}

function sigName(signature, kind, nodeName) {
  if (!signature || !signature[kind]) return undefined;
  for (const [key, v] of Object.entries(signature[kind])) {
    if (v.name.replace(/:0$/, '') === nodeName) return key.replace(/:0$/, '');
  }
  return undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [modelPath, outPath] = process.argv.slice(2);
  if (!modelPath || !outPath) {
    console.error('usage: node convert.mjs <model.json> <out.onnx>');
    process.exit(2);
  }
  const r = convert(modelPath);
  fs.writeFileSync(outPath, r.bytes);
  const ops = [...r.opsUsed.entries()].map(([k, v]) => `${k}:${v}`).join(' ');
  console.log(`${outPath}: ${r.bytes.length} bytes; outputs ${r.outputs.join(', ')}; TF ops ${ops}`);
}

#!/usr/bin/env node
// Runs the original TF.js graph models with the pure-JS CPU backend on crops of a real photo and writes the
// input tensors and outputs as raw little-endian float32 files plus a JSON manifest, for tests of the
// converted ONNX models.
//
// Usage: node reference.mjs <models dir with *.json + *.bin> <photo.png> <out dir>
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';

// Which crop of the photo each model sees, and how pixels are scaled (as @vladmandic/human prepares them:
// blazeface x / 127.5 - 1 on the whole frame, facemesh and iris x / 255 on a crop). Boxes are in pixels of
// the 512x512 astronaut photo: [left, top, size] of a square.
const CASES = [
  { model: 'blazeface', box: [0, 0, 512], size: 256, scale: 1 / 127.5, offset: -1 },
  { model: 'facemesh', box: [134, 28, 180], size: 192, scale: 1 / 255, offset: 0 },
  { model: 'iris', box: [177, 88, 48], size: 64, scale: 1 / 255, offset: 0 },
];

function readPng(file) {
  const png = PNG.sync.read(fs.readFileSync(file));
  return { width: png.width, height: png.height, rgba: png.data };
}

// Bilinear sampling of a square crop into size x size RGB, pixel centres aligned (half-pixel convention).
function cropResize(img, [left, top, side], size, scale, offset) {
  const out = new Float32Array(size * size * 3);
  const px = (x, y, c) => {
    const cx = Math.min(Math.max(x, 0), img.width - 1);
    const cy = Math.min(Math.max(y, 0), img.height - 1);
    return img.rgba[(cy * img.width + cx) * 4 + c];
  };
  const step = side / size;
  for (let j = 0; j < size; j++) {
    const sy = top + (j + 0.5) * step - 0.5;
    const y0 = Math.floor(sy); const fy = sy - y0;
    for (let i = 0; i < size; i++) {
      const sx = left + (i + 0.5) * step - 0.5;
      const x0 = Math.floor(sx); const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const v = (1 - fy) * ((1 - fx) * px(x0, y0, c) + fx * px(x0 + 1, y0, c))
          + fy * ((1 - fx) * px(x0, y0 + 1, c) + fx * px(x0 + 1, y0 + 1, c));
        out[(j * size + i) * 3 + c] = v * scale + offset;
      }
    }
  }
  return out;
}

function fileHandler(jsonPath) {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const dir = path.dirname(jsonPath);
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const data = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        weightSpecs: specs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      };
    },
  };
}

function writeF32(file, arr) {
  const b = Buffer.alloc(arr.length * 4);
  for (let i = 0; i < arr.length; i++) b.writeFloatLE(arr[i], 4 * i);
  fs.writeFileSync(file, b);
}

async function main() {
  const [modelsDir, photo, outDir] = process.argv.slice(2);
  if (!modelsDir || !photo || !outDir) {
    console.error('usage: node reference.mjs <models dir> <photo.png> <out dir>');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  fs.mkdirSync(outDir, { recursive: true });
  const img = readPng(photo);
  const manifest = {
    generator: 'tools/tfjs-to-onnx/reference.mjs',
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    photo: path.basename(photo),
    models: [],
  };
  for (const c of CASES) {
    const jsonPath = path.join(modelsDir, `${c.model}.json`);
    const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
    const sig = json.signature || json.userDefinedMetadata.signature;
    const model = await loadGraphModel(fileHandler(jsonPath));
    const input = cropResize(img, c.box, c.size, c.scale, c.offset);
    const inputName = Object.keys(sig.inputs)[0].replace(/:0$/, '');
    const outNames = Object.keys(sig.outputs);
    const x = tf.tensor4d(input, [1, c.size, c.size, 3]);
    const tensorNames = outNames.map((k) => sig.outputs[k].name);
    const ys = model.execute(x, tensorNames);
    const entry = {
      model: c.model,
      crop: { left: c.box[0], top: c.box[1], side: c.box[2] },
      pixelScale: c.scale,
      pixelOffset: c.offset,
      input: { name: inputName, shape: [1, c.size, c.size, 3], file: `${c.model}.input.f32` },
      outputs: [],
    };
    writeF32(path.join(outDir, entry.input.file), input);
    (Array.isArray(ys) ? ys : [ys]).forEach((y, i) => {
      const name = outNames[i].replace(/:0$/, '');
      const file = `${c.model}.${name}.f32`;
      const data = y.dataSync();
      writeF32(path.join(outDir, file), data);
      let maxAbs = 0;
      for (const v of data) maxAbs = Math.max(maxAbs, Math.abs(v));
      entry.outputs.push({ name, shape: y.shape, file, maxAbs });
    });
    manifest.models.push(entry);
    console.log(`${c.model}: ${entry.outputs.map((o) => `${o.name}[${o.shape}]`).join(' ')}`);
    if (c.model === 'facemesh') {
      const flag = entry.outputs.find((o) => o.name === 'output_faceflag');
      const v = fs.readFileSync(path.join(outDir, flag.file)).readFloatLE(0);
      console.log(`  face flag ${v.toFixed(4)}`);
      entry.faceFlag = v;
    }
    tf.dispose([x, ...(Array.isArray(ys) ? ys : [ys])]);
  }
  fs.writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

main().catch((e) => { console.error(e); process.exit(1); });

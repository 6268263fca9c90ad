// Reference descriptors for the embedder's agreement test: runs @vladmandic/face-api's own
// FaceRecognitionNet (its bundled TensorFlow.js, CPU backend) on aligned 150x150 chips.
//   node face-api-descriptors.cjs CHIPS.rgb   (N chips, 150*150*3 bytes each, RGB row by row)
// prints one JSON array of N descriptors (128 numbers each, as face-api returns them: not normalised).
// The browser bundle is run in a bare VM context: face-api's Node build needs @tensorflow/tfjs-node
// (a native download), which this package does not ship.
const vm = require('vm');
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, 'node_modules', '@vladmandic', 'face-api');
const context = vm.createContext({ console, TextEncoder, TextDecoder, setTimeout, clearTimeout, performance });
context.self = context;
context.global = context;
vm.runInContext(fs.readFileSync(path.join(dir, 'dist', 'face-api.js'), 'utf8'), context);
const { faceapi } = context;
const { tf } = faceapi;

async function main() {
  const chips = fs.readFileSync(process.argv[2]);
  const side = 150;
  const size = side * side * 3;
  if (chips.length === 0 || chips.length % size !== 0) throw new Error(`${chips.length} bytes is not a whole number of ${side}x${side} RGB chips`);
  tf.env().setPlatform('reference', {
    fetch: () => { throw new Error('no fetch'); },
    now: () => performance.now(),
    encode: (text) => new TextEncoder().encode(text),
    decode: (bytes, encoding) => new TextDecoder(encoding).decode(bytes),
    isTypedArray: (a) => ArrayBuffer.isView(a) && !(a instanceof DataView),
    setTimeoutCustom: (f, ms) => setTimeout(f, ms),
  });
  class None {}
  faceapi.env.setEnv({
    Canvas: None, CanvasRenderingContext2D: None, Image: None, ImageData: None, Video: None,
    createCanvasElement: () => { throw new Error('no canvas'); },
    createImageElement: () => { throw new Error('no image'); },
    fetch: () => { throw new Error('no fetch'); },
    readFile: () => { throw new Error('no files'); },
  });
  await tf.setBackend('cpu');
  await tf.ready();

  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'model', 'face_recognition_model-weights_manifest.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(dir, 'model', 'face_recognition_model.bin'));
  const weightMap = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest[0].weights);
  const net = new faceapi.FaceRecognitionNet();
  net.loadFromWeightMap(weightMap);

  const descriptors = [];
  for (let offset = 0; offset < chips.length; offset += size) {
    const chip = tf.tensor3d(Int32Array.from(chips.subarray(offset, offset + size)), [side, side, 3], 'int32');
    const descriptor = await net.computeFaceDescriptor(chip);
    chip.dispose();
    descriptors.push(Array.from(descriptor));
  }
  process.stdout.write(JSON.stringify(descriptors));
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });

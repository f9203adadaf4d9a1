// safetensors (https://github.com/huggingface/safetensors), written against its specification because no
// well-kept npm package exists (the registry's `safetensors` is an unmaintained 0.0.1):
//   8 bytes: N, the header's length (uint64 LE) · N bytes: a JSON object, padded with spaces, mapping each
//   tensor's name to {dtype, shape, data_offsets: [begin, end)} (byte offsets from the end of the header)
//   and an optional "__metadata__" of string → string · the tensors' bytes, little-endian, row-major.
// Reading treats the file as hostile, as the reference implementation does: the header's length against
// the file, each range against the data and against its dtype × shape, and the ranges must tile the data
// exactly (no holes, no overlaps). A file that fails is refused naming the file and the tensor.

/** What the studio reads: float tensors, converted to float32 (PyTorch users may save F16, BF16 or F64). */
const FLOAT_BYTES = { F32: 4, F64: 8, F16: 2, BF16: 2 } as const;
type FloatDtype = keyof typeof FLOAT_BYTES;
/** Every dtype the format defines, so that a file holding others is named correctly when refused. */
const KNOWN_DTYPES = new Set(['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']);
/** The reference implementation's limit on the header (100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  /** Tensors in the order of their data in the file. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

/** A file that is not valid safetensors, or not float tensors: the message names the file and the tensor. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** float32 tensors (in the given order) and string metadata → the bytes of a .safetensors file. */
export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`${t.name}: shape [${t.shape.join(', ')}] holds ${size} values, not ${t.data.length}`);
    if (t.name === '__metadata__' || t.name in header) throw new Error(`${t.name}: a tensor name may appear once and may not be __metadata__`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + size * 4] };
    offset += size * 4;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Padding to 8 bytes keeps every float32 aligned from the file's start (the reference writer does this).
  const padded = Math.ceil(json.length / 8) * 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at); // little-endian hosts only (x86, ARM)
    at += t.data.byteLength;
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function toFloat32(bytes: Buffer, dtype: FloatDtype): Float32Array {
  const n = bytes.length / FLOAT_BYTES[dtype];
  const out = new Float32Array(n);
  if (dtype === 'F32') new Uint8Array(out.buffer).set(bytes); // an aligned copy; little-endian hosts
  else if (dtype === 'F64') for (let i = 0; i < n; i++) out[i] = bytes.readDoubleLE(i * 8);
  else if (dtype === 'F16') for (let i = 0; i < n; i++) out[i] = halfToFloat(bytes.readUInt16LE(i * 2));
  else {
    // bfloat16 is the top half of a float32.
    const wide = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) wide[i] = bytes.readUInt16LE(i * 2) << 16;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Reads and checks a .safetensors file's bytes; `file` names it in refusals. */
export function decodeSafetensors(bytes: Buffer, file: string): SafetensorsFile {
  const fail = (why: string) => new SafetensorsError(`${file}: ${why}`);
  if (bytes.length < 8) throw fail(`${bytes.length} bytes: too short for a safetensors file (it starts with an 8-byte header length)`);
  const headerLength = bytes.readBigUInt64LE(0);
  if (headerLength > BigInt(MAX_HEADER_BYTES) || headerLength > BigInt(bytes.length - 8)) {
    throw fail(`its header claims ${headerLength} bytes, but the file has ${bytes.length - 8} after the length: not a safetensors file, or cut short`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(8, dataStart).toString('utf8'));
  } catch (err) {
    throw fail(`its header is not valid JSON (${(err as Error).message}): not a safetensors file`);
  }
  if (!isObject(header)) throw fail('its header is not a JSON object');
  const metadata: Record<string, string> = {};
  if (header.__metadata__ !== undefined) {
    if (!isObject(header.__metadata__) || Object.values(header.__metadata__).some((v) => typeof v !== 'string')) {
      throw fail('__metadata__ must map strings to strings');
    }
    Object.assign(metadata, header.__metadata__);
  }
  const dataLength = bytes.length - dataStart;
  const entries: Array<{ name: string; dtype: FloatDtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isObject(info)) throw fail(`${name}: not a tensor entry ({dtype, shape, data_offsets})`);
    const { dtype, shape, data_offsets: range } = info;
    if (typeof dtype !== 'string' || !KNOWN_DTYPES.has(dtype)) throw fail(`${name}: dtype ${JSON.stringify(dtype)} is not a safetensors dtype`);
    if (!(dtype in FLOAT_BYTES)) throw fail(`${name}: dtype ${dtype}; the studio reads model weights saved as F32, F16, BF16 or F64`);
    if (!Array.isArray(shape) || !shape.every(isCount)) throw fail(`${name}: shape must be a list of whole numbers`);
    if (!Array.isArray(range) || range.length !== 2 || !range.every(isCount) || range[0] > range[1]) throw fail(`${name}: data_offsets must be [begin, end]`);
    const [begin, end] = range as [number, number];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    const want = size * FLOAT_BYTES[dtype as FloatDtype];
    if (end - begin !== want) throw fail(`${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} [${shape.join(', ')}] takes ${want}`);
    if (end > dataLength) throw fail(`${name}: data_offsets end at ${end}, past the ${dataLength} bytes of data: the file is cut short`);
    entries.push({ name, dtype: dtype as FloatDtype, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected) throw fail(`${e.name}: its data starts at byte ${e.begin}, not ${expected}: tensors must tile the data without holes or overlaps`);
    expected = e.end;
  }
  if (expected !== dataLength) throw fail(`the tensors describe ${expected} bytes of data, but the file holds ${dataLength}`);
  const tensors: SafetensorsFile['tensors'] = new Map();
  for (const e of entries) tensors.set(e.name, { shape: e.shape, data: toFloat32(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype) });
  return { tensors, metadata };
}

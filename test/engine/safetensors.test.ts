// safetensors, against its specification: what the studio writes reads back exactly and lays out as the
// format says (8-byte length, space-padded JSON header, data tiled in order); what another writer may
// produce (F16, BF16, F64, no padding, metadata) reads as float32; and a damaged or hostile file is
// refused naming the file and the tensor, never read out of bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SafetensorsError, decodeSafetensors, encodeSafetensors } from '../../main/engine/export/safetensors.ts';

const FILE = 'model.safetensors';

function raw(header: Record<string, unknown>, data: Buffer, pad = true): Buffer {
  let json = Buffer.from(JSON.stringify(header));
  if (pad) json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

test('written tensors read back exactly, laid out as the specification says', () => {
  const a = { name: 'embedding.weight', shape: [3, 2], data: Float32Array.from([1, -2, 3.5, 1e-8, -0, 7]) };
  const b = { name: 'output.bias', shape: [4], data: Float32Array.from([0.25, 0.5, 0.75, 1]) };
  const bytes = Buffer.from(encodeSafetensors([a, b], { format: 'rnn-studio-pytorch', step: '40' }));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0, 'the header is padded to 8 bytes');
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
  assert.deepEqual(header['embedding.weight'], { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] });
  assert.deepEqual(header['output.bias'], { dtype: 'F32', shape: [4], data_offsets: [24, 40] });
  assert.deepEqual(header.__metadata__, { format: 'rnn-studio-pytorch', step: '40' });
  assert.equal(bytes.length, 8 + n + 40);
  assert.equal(bytes.readFloatLE(8 + n + 8), 3.5, 'row-major, little-endian');
  const back = decodeSafetensors(bytes, FILE);
  assert.deepEqual([...back.tensors.keys()], ['embedding.weight', 'output.bias']);
  assert.deepEqual(back.tensors.get('embedding.weight'), { shape: [3, 2], data: a.data });
  assert.deepEqual(back.tensors.get('output.bias')!.data, b.data);
  assert.deepEqual(back.metadata, { format: 'rnn-studio-pytorch', step: '40' });
});

test("other writers' files read as float32: F16, BF16 and F64, no header padding, tensors in any header order", () => {
  const f64 = Buffer.alloc(16);
  f64.writeDoubleLE(0.1, 0);
  f64.writeDoubleLE(-3, 8);
  const f16 = Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x35]); // 1, -2, 0.3125
  const bf16 = Buffer.from([0x80, 0x3f, 0x40, 0xc0]); // 1, -3
  const bytes = raw(
    { c: { dtype: 'BF16', shape: [2], data_offsets: [22, 26] }, a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, b: { dtype: 'F16', shape: [1, 3], data_offsets: [16, 22] } },
    Buffer.concat([f64, f16, bf16]),
    false,
  );
  const { tensors } = decodeSafetensors(bytes, FILE);
  assert.deepEqual([...tensors.keys()], ['a', 'b', 'c'], 'in the order of their data');
  assert.deepEqual([...tensors.get('a')!.data], [Math.fround(0.1), -3]);
  assert.deepEqual([...tensors.get('b')!.data], [1, -2, 0.3125]);
  assert.deepEqual(tensors.get('b')!.shape, [1, 3]);
  assert.deepEqual([...tensors.get('c')!.data], [1, -3]);
});

test('a damaged or hostile file is refused naming the file and the tensor', () => {
  const ok = Buffer.from(encodeSafetensors([{ name: 'w', shape: [2], data: Float32Array.from([1, 2]) }]));
  const refused = (bytes: Buffer, why: RegExp) =>
    assert.throws(() => decodeSafetensors(bytes, FILE), (err: Error) => err instanceof SafetensorsError && err.message.startsWith(`${FILE}: `) && why.test(err.message));
  refused(ok.subarray(0, 5), /too short/);
  refused(ok.subarray(0, ok.length - 1), /cut short|describe 8 bytes of data, but the file holds 7/);
  const huge = Buffer.from(ok);
  huge.writeBigUInt64LE(2n ** 40n, 0);
  refused(huge, /header claims/);
  refused(raw({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, Buffer.alloc(12)), /describe 8 bytes of data, but the file holds 12/);
  refused(raw({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)), /^model.safetensors: w: .*takes 12/);
  refused(raw({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8)), /w: dtype I64; the studio reads/);
  refused(raw({ w: { dtype: 'Q4', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8)), /w: dtype "Q4" is not a safetensors dtype/);
  refused(raw({ u: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, w: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, Buffer.alloc(12)), /w: its data starts at byte 8, not 4/);
  refused(raw({ u: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(8)), /starts at byte 4, not 8|starts at byte 4, not 0/);
  refused(raw({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /w: shape must be/);
  refused(raw({ __metadata__: { step: 3 } }, Buffer.alloc(0)), /__metadata__ must map strings to strings/);
  const notJson = Buffer.from(ok);
  notJson[8] = 0x5b; // '['
  refused(notJson, /not valid JSON|not a JSON object/);
});

// The TensorFlow.js recurrence (the fallback path, tfjs-ops.ts): a whole layer's recurrence over T steps
// as one custom op (tf.customGrad) whose backward pass runs the recurrence once and gets the recurrent
// weights' gradient from one large matmul (hᵀ of all steps × the gates' gradients of all steps) instead of
// T small ones — and transposes U once, not at every step (wasm's transposed matmul leaves its fast path,
// so transposes are explicit).
// Shapes are time-major: xp [T, B, G·H] (inputs already projected, bias included), U [H, G·H] → hs [T, B, H].
// Optional mask [T, B, 1]: a step with mask 0 carries the previous state through (padding).
import { tf } from './backend.ts';
import type { CellType } from '../../../shared/config.ts';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * The T time slices of a [T, B, N] tensor, as [B, N] tensors. On wasm, slicing a large tensor leaves the
 * fast path (~5 ms for one 128 KB slice); reading it once and uploading each slice costs well under 1 ms
 * in all. Only used where gradients are supplied by hand (inside the custom op), since it leaves tf's tape.
 */
function timeSlices(x: tf.Tensor): tf.Tensor2D[] {
  const [T, B, N] = x.shape;
  const data = x.dataSync() as Float32Array;
  return Array.from({ length: T }, (_, t) => tf.tensor2d(data.subarray(t * B * N, (t + 1) * B * N), [B, N]));
}

const sigmoidGrad = (s: tf.Tensor) => tf.mul(s, tf.sub(1, s)); // σ' from σ
const tanhGrad = (t: tf.Tensor) => tf.sub(1, tf.square(t)); // tanh' from tanh

/**
 * Runs one layer (one direction) over time. Returns the outputs [T, B, H] and the last state's h and c.
 * `reverse` reads the sequence from its end (the backward direction of a bidirectional layer); the
 * outputs stay in time order.
 */
export function recurrentLayer(cell: CellType, xp: tf.Tensor3D, U: tf.Tensor2D, mask: tf.Tensor3D | null, reverse = false): tf.Tensor3D {
  const [T, B] = xp.shape;
  const H = U.shape[0];
  const f = tf.customGrad(((xpIn: tf.Tensor, uIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const steps = timeSlices(xpIn); // T × [B, G·H]
    const masks = mask ? timeSlices(mask) : null; // T × [B, 1]
    const U2 = uIn as tf.Tensor2D;
    const [Uzr, Uh] = cell === 'gru' ? (tf.split(U2, [2 * H, H], 1) as tf.Tensor2D[]) : [U2, null];
    let h = tf.zeros([B, H]) as tf.Tensor2D;
    let c = tf.zeros([B, H]) as tf.Tensor2D;
    const hs: tf.Tensor2D[] = new Array(T);
    const hPrev: tf.Tensor2D[] = new Array(T); // h entering each step
    const saved: tf.Tensor[][] = new Array(T); // per step: what the backward pass needs
    for (let k = 0; k < T; k++) {
      const t = reverse ? T - 1 - k : k;
      hPrev[t] = h;
      let hNew: tf.Tensor2D;
      let cNew: tf.Tensor2D = c;
      if (cell === 'lstm') {
        const z = tf.add(steps[t], tf.matMul(h, U2));
        const [zi, zf, zg, zo] = tf.split(z, 4, 1);
        const i = tf.sigmoid(zi);
        const fg = tf.sigmoid(zf);
        const g = tf.tanh(zg);
        const o = tf.sigmoid(zo);
        cNew = tf.add(tf.mul(fg, c), tf.mul(i, g)) as tf.Tensor2D;
        const tc = tf.tanh(cNew);
        hNew = tf.mul(o, tc) as tf.Tensor2D;
        saved[t] = [i, fg, g, o, c, tc];
      } else if (cell === 'gru') {
        const [xz, xr, xh] = tf.split(steps[t], 3, 1);
        const [hz, hr] = tf.split(tf.matMul(h, Uzr), 2, 1);
        const z = tf.sigmoid(tf.add(xz, hz));
        const r = tf.sigmoid(tf.add(xr, hr));
        const rh = tf.mul(r, h);
        const hc = tf.tanh(tf.add(xh, tf.matMul(rh, Uh!)));
        hNew = tf.add(hc, tf.mul(z, tf.sub(h, hc))) as tf.Tensor2D; // z·h + (1 − z)·hc
        saved[t] = [z, r, rh, hc];
      } else {
        hNew = tf.tanh(tf.add(steps[t], tf.matMul(h, U2))) as tf.Tensor2D;
        saved[t] = [hNew];
      }
      if (masks) {
        const m = masks[t];
        hNew = tf.add(h, tf.mul(m, tf.sub(hNew, h))) as tf.Tensor2D;
        if (cell === 'lstm') cNew = tf.add(c, tf.mul(m, tf.sub(cNew, c))) as tf.Tensor2D;
      }
      h = hNew;
      c = cNew;
      hs[t] = h;
    }
    const flat = saved.flat();
    save([...hPrev, ...flat, ...(masks ?? []), U2]);
    const per = saved[0].length;
    return {
      value: tf.stack(hs, 0),
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const prev = kept.slice(0, T) as tf.Tensor2D[];
        const acts = (t: number) => kept.slice(T + t * per, T + (t + 1) * per) as tf.Tensor2D[];
        const ms = masks ? (kept.slice(T + T * per, T + T * per + T) as tf.Tensor2D[]) : null;
        const Ukept = kept[kept.length - 1] as tf.Tensor2D;
        const dys = timeSlices(dy);
        const Ut = tf.transpose(Ukept); // [G·H, H], once
        const [UzrT, UhT] = cell === 'gru' ? [tf.transpose(tf.slice(Ukept, [0, 0], [H, 2 * H])) as tf.Tensor2D, tf.transpose(tf.slice(Ukept, [0, 2 * H], [H, H])) as tf.Tensor2D] : [Ut, null];
        let dhNext = tf.zeros([B, H]) as tf.Tensor2D;
        let dcNext = tf.zeros([B, H]) as tf.Tensor2D;
        const dz: tf.Tensor2D[] = new Array(T); // gradient of the pre-activations (= of xp), per step
        const dCand: tf.Tensor2D[] = new Array(T); // GRU: gradient of the candidate's pre-activation
        for (let k = T - 1; k >= 0; k--) {
          const t = reverse ? T - 1 - k : k;
          let dh = tf.add(dys[t], dhNext) as tf.Tensor2D;
          let dc: tf.Tensor2D = dcNext;
          let carryH: tf.Tensor2D | null = null;
          let carryC: tf.Tensor2D | null = null;
          if (ms) {
            // A padded step passed h (and c) through: their gradient flows straight back.
            const m = ms[t];
            carryH = tf.mul(dh, tf.sub(1, m)) as tf.Tensor2D;
            dh = tf.mul(dh, m) as tf.Tensor2D;
            if (cell === 'lstm') {
              carryC = tf.mul(dc, tf.sub(1, m)) as tf.Tensor2D;
              dc = tf.mul(dc, m) as tf.Tensor2D;
            }
          }
          if (cell === 'lstm') {
            const [i, fg, g, o, cPrev, tc] = acts(t);
            const dcTotal = tf.add(dc, tf.mul(tf.mul(dh, o), tanhGrad(tc)));
            const dzo = tf.mul(tf.mul(dh, tc), sigmoidGrad(o));
            const dzi = tf.mul(tf.mul(dcTotal, g), sigmoidGrad(i));
            const dzf = tf.mul(tf.mul(dcTotal, cPrev), sigmoidGrad(fg));
            const dzg = tf.mul(tf.mul(dcTotal, i), tanhGrad(g));
            dz[t] = tf.concat([dzi, dzf, dzg, dzo], 1) as tf.Tensor2D;
            dhNext = tf.matMul(dz[t], Ut);
            dcNext = tf.mul(dcTotal, fg) as tf.Tensor2D;
          } else if (cell === 'gru') {
            const [z, r, rh, hc] = acts(t);
            const hp = prev[t];
            const dzz = tf.mul(tf.mul(dh, tf.sub(hp, hc)), sigmoidGrad(z));
            const dhc = tf.mul(tf.mul(dh, tf.sub(1, z)), tanhGrad(hc));
            const drh = tf.matMul(dhc, UhT!);
            const dzr = tf.mul(tf.mul(drh, hp), sigmoidGrad(r));
            const dzzr = tf.concat([dzz, dzr], 1) as tf.Tensor2D;
            dz[t] = tf.concat([dzzr, dhc], 1) as tf.Tensor2D;
            dCand[t] = dhc as tf.Tensor2D;
            dhNext = tf.add(tf.add(tf.mul(dh, z), tf.mul(drh, r)), tf.matMul(dzzr, UzrT)) as tf.Tensor2D;
          } else {
            const [hNew] = acts(t);
            dz[t] = tf.mul(dh, tanhGrad(hNew)) as tf.Tensor2D;
            dhNext = tf.matMul(dz[t], Ut);
          }
          if (carryH) dhNext = tf.add(dhNext, carryH) as tf.Tensor2D;
          if (carryC) dcNext = tf.add(dcNext, carryC) as tf.Tensor2D;
        }
        const dxp = tf.stack(dz, 0); // [T, B, G·H]
        const hPrevT = tf.transpose(tf.reshape(tf.stack(prev, 0), [T * B, H])); // [H, T·B]
        let dU: tf.Tensor;
        if (cell === 'gru') {
          const dzr = tf.reshape(tf.stack(dz.map((d) => tf.slice(d, [0, 0], [B, 2 * H])), 0), [T * B, 2 * H]);
          const rhT = tf.transpose(tf.reshape(tf.stack(Array.from({ length: T }, (_, t) => acts(t)[2]), 0), [T * B, H]));
          dU = tf.concat([tf.matMul(hPrevT, dzr), tf.matMul(rhT, tf.reshape(tf.stack(dCand, 0), [T * B, H]))], 1);
        } else {
          dU = tf.matMul(hPrevT, tf.reshape(dxp, [T * B, -1]) as tf.Tensor2D);
        }
        return [dxp, dU];
      },
    };
  }) as unknown as CustomGradientFunc);
  return f(xp, U) as tf.Tensor3D;
}

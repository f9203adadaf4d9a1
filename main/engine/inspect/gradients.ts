// Gradients that show memory. Connectivity (Madsen, "Visualizing memorization in RNNs", Distill 2019):
// how strongly each earlier character influenced one prediction — the norm of the gradient of its
// log-probability with respect to that character's input embedding. Gradient flow: how much of the last
// prediction's error reaches back k steps — ‖∂loss_T/∂h_(T−k)‖, averaged over validation windows; a
// SimpleRNN's curve falls off fast (the vanishing gradient), an LSTM's and a GRU's much later.
import type { ConnectivityReply, GradientFlowReply } from '../../../shared/inspect.ts';
import type { Vocabulary } from '../corpus/charset.ts';
import type { Trace, TracedNetwork } from './trace.ts';
import type { Reading } from './reading.ts';
import { InspectError } from './surprise.ts';

type Connectivity = Pick<ConnectivityReply, 'position' | 'target' | 'connectivity'>;

/** L2 norm of row t of a [T, W] array. */
function rowNorm(a: Float32Array, t: number, W: number): number {
  let s = 0;
  for (let j = t * W; j < (t + 1) * W; j++) s += a[j] * a[j];
  return Math.sqrt(s);
}

/** Argmax of a row of logits. */
function argmax(a: Float32Array): number {
  let best = 0;
  for (let v = 1; v < a.length; v++) if (a[v] > a[best]) best = v;
  return best;
}

/**
 * Generators: the prediction of the character at `position` (code point index), made after reading the
 * start character and every character before it. Its target is that character (the model's most probable
 * one when it has no id for it); one value per character before it (0 for ones it could not read).
 */
export function generatorConnectivity(net: TracedNetwork, trace: Trace, reading: Reading, vocab: Vocabulary, position: number): Connectivity {
  const N = reading.chars.length;
  if (!Number.isInteger(position) || position < 0 || position >= N) throw new InspectError(`position ${position} is outside the text (0–${N - 1})`);
  const step = position === 0 ? 0 : reading.stepOf[position - 1]; // the step that predicts it
  const V = net.outputs;
  const target = reading.charIds[position] >= 0 ? reading.charIds[position] : argmax(trace.logits.subarray(step * V, step * V + V));
  const { dInput } = net.backward(trace, net.dTopOfStep(trace, step, target), step);
  const connectivity = Array.from({ length: position }, (_, j) => (reading.charIds[j] >= 0 ? rowNorm(dInput, reading.stepOf[j], net.E) : 0));
  return { position, target: vocab.chars[target], connectivity };
}

/** Classifiers: the predicted class, against every character of the text. */
export function classifierConnectivity(net: TracedNetwork, trace: Trace, reading: Reading, labels: string[]): Connectivity {
  const target = argmax(trace.logits);
  const { dInput } = net.backward(trace, net.dTopOfClass(trace, target));
  const connectivity = Array.from(reading.chars, (_, j) => (reading.charIds[j] >= 0 ? rowNorm(dInput, reading.stepOf[j], net.E) : 0));
  return { position: null, target: labels[target], connectivity };
}

/** A window the gradient flows back through: the ids read, and what the last prediction is scored against. */
export interface FlowWindow {
  ids: ArrayLike<number>;
  /** Generators: the character after the window; classifiers: the label. */
  target: number;
}

/**
 * ‖∂loss/∂h_(T−1−k)‖ for each layer (its left-to-right direction), k = 0 … longest window − 1, averaged
 * over the windows at least k + 1 long. The loss is the last prediction's (a generator's) or the
 * class's (a classifier's).
 */
export function gradientFlow(net: TracedNetwork, windows: FlowWindow[]): Pick<GradientFlowReply, 'seqLen' | 'windows' | 'norms' | 'relative' | 'byLayer'> {
  if (windows.length === 0) throw new InspectError('there is no text to measure the gradient flow on');
  const L = net.config.layers;
  const seqLen = Math.max(...windows.map((w) => w.ids.length));
  const sums = Array.from({ length: L }, () => new Float64Array(seqLen));
  const counts = new Float64Array(seqLen);
  for (const w of windows) {
    const trace = net.forward(w.ids);
    const T = trace.T;
    const dTop = net.task === 'generate' ? net.dTopOfStep(trace, T - 1, w.target) : net.dTopOfClass(trace, w.target);
    const { dh } = net.backward(trace, dTop);
    for (let k = 0; k < T; k++) {
      counts[k]++;
      for (let l = 0; l < L; l++) sums[l][k] += rowNorm(dh[l][0], T - 1 - k, net.H);
    }
  }
  const byLayer = sums.map((s) => Array.from(s, (v, k) => v / counts[k]));
  const norms = byLayer[L - 1];
  return { seqLen, windows: windows.length, norms, relative: norms.map((v) => (norms[0] > 0 ? v / norms[0] : 0)), byLayer };
}

// The short jobs an engine answers from a checkpoint: sampling, classifying, surprise and the inside of a
// network (units, connectivity, gradient flow). The few most recently used models stay loaded.
import type { ClassifyRequest, InsideRequest, InspectRequest, SampleRequest } from '../../shared/worker-protocol.ts';
import { Vocabulary } from './corpus/charset.ts';
import { initBackend, tf } from './model/backend.ts';
import { CharClassifier, padBatch } from './model/classifier.ts';
import { CharRnn } from './model/generator.ts';
import { engineOps } from './model/ops.ts';
import { connectivity, gradientFlowOf, units } from './inspect/index.ts';
import { surprise } from './inspect/surprise.ts';
import { generate } from './sampling/sample.ts';
import { loadCheckpoint, type CheckpointState } from './storage/checkpoint.ts';
import type { Post } from './training/run.ts';

interface LoadedModel {
  state: CheckpointState;
  vocab: Vocabulary;
  generator: CharRnn | null;
  classifier: CharClassifier | null;
}
const models = new Map<string, LoadedModel>();

function loadModel(path: string): LoadedModel {
  let loaded = models.get(path);
  if (!loaded) {
    const state = loadCheckpoint(path);
    const weights = new Map([...state.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, t]) => [n, t.data]));
    const classify = state.config.task === 'classify';
    const ops = engineOps();
    loaded = {
      state,
      vocab: new Vocabulary(state.vocab),
      generator: classify ? null : new CharRnn(state.vocab.length, state.config.model, weights, ops),
      classifier: classify ? new CharClassifier(state.vocab.length, state.labels!.length, state.config.model, weights, ops) : null,
    };
    // Keep the few most recent models: switching between two checkpoints should not reload each time.
    if (models.size >= 3) {
      const [oldest] = models.keys();
      const old = models.get(oldest)!;
      (old.generator ?? old.classifier)!.dispose();
      models.delete(oldest);
    }
    models.set(path, loaded);
  }
  return loaded;
}

/** Frees every loaded model (the worker is shutting down). */
export function disposeModels(): void {
  for (const m of models.values()) (m.generator ?? m.classifier)!.dispose();
  models.clear();
}

export async function sample(req: SampleRequest, post: Post): Promise<void> {
  try {
    const backend = await initBackend();
    const { generator, vocab, state } = loadModel(req.checkpointPath);
    if (!generator) throw new Error('this run is a classifier: classify text with it instead of sampling');
    const onChunk = req.stream ? (text: string) => post({ type: 'sample-chunk', requestId: req.requestId, text }) : undefined;
    const text = await generate(generator, vocab, state.startChar, req.params, onChunk);
    post({ type: 'sample-done', requestId: req.requestId, text, step: state.step, backend: backend.name });
  } catch (err) {
    post({ type: 'sample-failed', requestId: req.requestId, message: (err as Error).message });
  }
}

export async function classify(req: ClassifyRequest, post: Post): Promise<void> {
  try {
    await initBackend();
    const { classifier, vocab, state } = loadModel(req.checkpointPath);
    if (!classifier) throw new Error('this run is a generator: sample from it instead of classifying');
    const maxLen = state.config.train.maxLen;
    const probabilities: number[][] = [];
    const unknownChars: number[] = [];
    for (let s = 0; s < req.texts.length; s += 64) {
      const texts = req.texts.slice(s, s + 64).map((t) => {
        const ids = vocab.encode(t, true); // characters the model never saw are left out
        unknownChars.push([...t].length - ids.length + ids.filter((id) => id === vocab.unknownId).length);
        return ids.length > maxLen ? ids.slice(0, maxLen) : ids;
      });
      const b = padBatch(texts);
      const probs = tf.tidy(() => tf.softmax(classifier.forward(tf.tensor2d(b.ids, [b.batch, b.steps], 'int32'), tf.tensor2d(b.mask, [b.batch, b.steps]), null)));
      const rows = (await probs.array()) as number[][];
      probs.dispose();
      probabilities.push(...rows);
    }
    post({ type: 'classify-done', requestId: req.requestId, labels: state.labels!, probabilities, unknownChars, step: state.step });
  } catch (err) {
    post({ type: 'classify-failed', requestId: req.requestId, message: (err as Error).message });
  }
}

/** Surprise at each character of a text, from a generator's checkpoint. */
export async function inspect(req: InspectRequest, post: Post): Promise<void> {
  try {
    await initBackend();
    const { generator, vocab, state } = loadModel(req.checkpointPath);
    if (!generator) throw new Error('this run is a classifier: surprise is measured on generators (classify text with it instead)');
    const s = await surprise(generator, vocab, state.startChar, req.text);
    post({ type: 'inspect-done', requestId: req.requestId, chars: s.chars, bitsPerChar: s.bitsPerChar, unknownChars: s.unknownChars, step: state.step });
  } catch (err) {
    post({ type: 'inspect-failed', requestId: req.requestId, message: (err as Error).message });
  }
}

/** Units, connectivity, gradient flow: the inside of a checkpoint's network (inspect/index.ts). */
export async function inside(req: InsideRequest, post: Post): Promise<void> {
  try {
    await initBackend();
    const { state, vocab } = loadModel(req.checkpointPath);
    const m = { path: req.checkpointPath, state, vocab };
    if (req.type === 'units') post({ type: 'units-done', requestId: req.requestId, reply: units(m, req) });
    else if (req.type === 'connectivity') post({ type: 'connectivity-done', requestId: req.requestId, reply: connectivity(m, req) });
    else post({ type: 'gradient-flow-done', requestId: req.requestId, reply: gradientFlowOf(m, req) });
  } catch (err) {
    post({ type: `${req.type}-failed`, requestId: req.requestId, message: (err as Error).message });
  }
}

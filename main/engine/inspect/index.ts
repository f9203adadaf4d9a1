// The inside of a network, as the worker answers for it: units, connectivity and gradient flow of one
// checkpoint. The last texts read are kept traced, so choosing another unit or hovering another
// character of the same text costs no new forward pass.
import { readFileSync } from 'node:fs';
import type { ConnectivityReply, GradientFlowReply, UnitKind, UnitsReply } from '../../../shared/inspect.ts';
import type { ConnectivityRequest, GradientFlowRequest, UnitsRequest } from '../../../shared/worker-protocol.ts';
import type { CheckpointState } from '../storage/checkpoint.ts';
import type { Vocabulary } from '../corpus/charset.ts';
import { BatchPlan } from '../corpus/batches.ts';
import { engineOps } from '../model/ops.ts';
import { encodeExamples, readExamples, stratifiedSplit } from '../corpus/examples.ts';
import { TracedNetwork, type Trace } from './trace.ts';
import { readText, type Reading } from './reading.ts';
import { checkUnit, findUnits, layerShapes, unitValues } from './units.ts';
import { classifierConnectivity, generatorConnectivity, gradientFlow, type FlowWindow } from './gradients.ts';
import { InspectError } from './surprise.ts';

export { InspectError };

/** A checkpoint as inspection needs it. */
export interface Inspected {
  path: string;
  state: CheckpointState;
  vocab: Vocabulary;
}

const networks = new Map<string, TracedNetwork>();
const traces: Array<{ key: string; reading: Reading; trace: Trace; found: Map<string, ReturnType<typeof findUnits>> }> = [];
const KEPT_NETWORKS = 3;
const KEPT_TRACES = 2;

function networkOf(m: Inspected): TracedNetwork {
  let net = networks.get(m.path);
  if (!net) {
    const weights = new Map([...m.state.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, t]) => [n, t.data]));
    net = new TracedNetwork(m.state.config.model, m.state.config.task, weights, engineOps());
    if (networks.size >= KEPT_NETWORKS) {
      const [oldest] = networks.keys();
      networks.get(oldest)!.dispose();
      networks.delete(oldest);
    }
    networks.set(m.path, net);
  }
  return net;
}

/** The network's reading of `text`, traced (reused when the same checkpoint read the same text last). */
function traced(m: Inspected, text: string): { net: TracedNetwork; reading: Reading; trace: Trace; found: Map<string, ReturnType<typeof findUnits>> } {
  const net = networkOf(m);
  const key = `${m.path}\0${text}`;
  let hit = traces.find((t) => t.key === key);
  if (!hit) {
    const reading = readText(m.vocab, text, m.state.config.task === 'generate' ? m.state.startChar : null);
    hit = { key, reading, trace: net.forward(reading.ids), found: new Map() };
    traces.unshift(hit);
    traces.length = Math.min(traces.length, KEPT_TRACES);
  }
  return { net, reading: hit.reading, trace: hit.trace, found: hit.found };
}

export function units(m: Inspected, req: UnitsRequest): Omit<UnitsReply, 'runId' | 'checkpointId'> {
  const { net, reading, trace, found: ranked } = traced(m, req.text);
  if (req.unit) checkUnit(net, req.unit);
  // Choosing a unit after finding units on the same text re-ranks nothing.
  const rankKey = `${req.pattern ?? ''}\0${req.top}`;
  const found = ranked.get(rankKey) ?? findUnits(net, trace, reading, req.pattern, req.top);
  ranked.set(rankKey, found);
  const unit = req.unit
    ? {
        ...req.unit,
        direction: req.unit.unit < net.H ? ('forward' as const) : ('backward' as const),
        values: Object.fromEntries(net.kinds.map((kind) => [kind, Array.from(unitValues(net, trace, reading, req.unit!, kind))])) as Partial<Record<UnitKind, number[]>>,
      }
    : undefined;
  return { step: m.state.step, chars: reading.chars, layers: layerShapes(net), ...found, ...(unit ? { unit } : {}) };
}

export function connectivity(m: Inspected, req: ConnectivityRequest): Omit<ConnectivityReply, 'runId' | 'checkpointId'> {
  const { net, reading, trace } = traced(m, req.text);
  if (net.task === 'classify') return { step: m.state.step, ...classifierConnectivity(net, trace, reading, m.state.labels!) };
  if (req.position === undefined) throw new InspectError('give the position (a character index) whose prediction to explain');
  return { step: m.state.step, ...generatorConnectivity(net, trace, reading, m.vocab, req.position) };
}

export function gradientFlowOf(m: Inspected, req: GradientFlowRequest): Omit<GradientFlowReply, 'runId' | 'checkpointId'> {
  const net = networkOf(m);
  const { config, seed } = m.state;
  const t = config.train;
  let windows: FlowWindow[];
  let source: GradientFlowReply['source'] = 'validation';
  if (config.task === 'generate') {
    const T = req.seqLen ?? t.seqLen;
    const ids = m.vocab.encode(readFileSync(req.corpusPath, 'utf8'));
    if (ids.length < T + 1) throw new InspectError(`the corpus has ${ids.length} characters, fewer than one window of ${T} + 1: use a smaller seqLen`);
    let text = new BatchPlan(ids, t.valSplit, Math.min(T, Math.max(2, ids.length - 1)), 1, seed).val;
    if (text.length < T + 1) {
      // No validation split long enough: the end of the text, which training did read.
      text = ids.subarray(Math.max(0, ids.length - req.windows * T - 1));
      source = 'training';
    }
    const count = Math.min(req.windows, Math.floor((text.length - 1) / T));
    windows = Array.from({ length: count }, (_, k) => ({ ids: text.subarray(k * T, k * T + T), target: text[k * T + T] }));
  } else {
    const T = req.seqLen ?? t.maxLen;
    const labels = m.state.labels!;
    const examples = encodeExamples(readExamples(req.corpusPath), m.vocab, labels, T);
    let { val } = stratifiedSplit(examples.map((e) => e.label), t.valSplit, seed); // the split training made
    if (val.length === 0) {
      val = examples.map((_, i) => i);
      source = 'training';
    }
    windows = val
      .filter((i) => examples[i].ids.length > 0)
      .slice(0, req.windows)
      .map((i) => ({ ids: examples[i].ids, target: examples[i].label }));
  }
  return { step: m.state.step, cell: config.model.cell, source, ...gradientFlow(net, windows) };
}

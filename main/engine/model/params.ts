// The model's parameters by name and shape: pure, so the core can count parameters without TensorFlow.js.
// Generators: embedding → layers → output over the vocabulary. Classifiers: the same layers, each with a
// backward twin when bidirectional (`layerN.fwd.*` / `layerN.bwd.*`), → output over the classes.
import type { CellType, ModelConfig } from '../../../shared/config.ts';

export const GATES: Record<CellType, number> = { lstm: 4, gru: 3, rnn: 1 };

export interface ParamSpec {
  name: string;
  shape: number[];
}

/** The directions a layer reads in: one name prefix each. */
export function directions(cfg: ModelConfig): string[] {
  return cfg.bidirectional ? ['fwd.', 'bwd.'] : [''];
}

/** outputSize: the vocabulary for a generator, the number of classes for a classifier. */
export function paramSpecs(vocabSize: number, cfg: ModelConfig, outputSize = vocabSize): ParamSpec[] {
  const H = cfg.units;
  const G = GATES[cfg.cell];
  const dirs = directions(cfg);
  const specs: ParamSpec[] = [{ name: 'embedding', shape: [vocabSize, cfg.embedding] }];
  for (let l = 0; l < cfg.layers; l++) {
    const inDim = l === 0 ? cfg.embedding : H * dirs.length;
    for (const d of dirs) {
      specs.push(
        { name: `layer${l}.${d}kernel`, shape: [inDim, G * H] },
        { name: `layer${l}.${d}recurrentKernel`, shape: [H, G * H] },
        { name: `layer${l}.${d}bias`, shape: [G * H] },
      );
    }
  }
  specs.push({ name: 'output.kernel', shape: [H * dirs.length, outputSize] }, { name: 'output.bias', shape: [outputSize] });
  return specs;
}

export function countParameters(vocabSize: number, cfg: ModelConfig, outputSize = vocabSize): number {
  return paramSpecs(vocabSize, cfg, outputSize).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** How far a compared model's parameter count may be from the budget: 5%. */
export const BUDGET_TOLERANCE = 0.05;

/**
 * The units (per direction) that give `cfg`'s cell, layers, embedding and directions the parameter count
 * closest to `budget`, or null when no whole number of units (1–4096) comes within BUDGET_TOLERANCE of it.
 * The count is a quadratic in the units H, a·H² + b·H + c, read off the exact count at H = 1, 2, 3 (so it
 * follows paramSpecs whatever it holds); the root is solved for, then its integer neighbours are checked.
 */
export function unitsForBudget(budget: number, vocabSize: number, cfg: ModelConfig, outputSize = vocabSize): number | null {
  const MAX_UNITS = 4096;
  const count = (units: number) => countParameters(vocabSize, { ...cfg, units }, outputSize);
  const [p1, p2, p3] = [count(1), count(2), count(3)];
  const a = (p3 - 2 * p2 + p1) / 2;
  const b = p2 - p1 - 3 * a;
  const c = p1 - a - b;
  // a > 0 always (the recurrent kernel is H × G·H); the larger root is the positive one.
  const root = (-b + Math.sqrt(Math.max(0, b * b - 4 * a * (c - budget)))) / (2 * a);
  let best: { units: number; error: number } | null = null;
  for (const guess of [Math.floor(root) - 1, Math.floor(root), Math.ceil(root), Math.ceil(root) + 1]) {
    const units = Math.min(MAX_UNITS, Math.max(1, guess));
    const error = Math.abs(count(units) - budget) / budget;
    if (!best || error < best.error) best = { units, error };
  }
  return best && best.error <= BUDGET_TOLERANCE ? best.units : null;
}

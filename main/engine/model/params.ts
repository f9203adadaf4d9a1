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

// The model's parameters by name and shape: pure, so the core can count parameters without TensorFlow.js.
import type { CellType, ModelConfig } from '../../shared/config.ts';

export const GATES: Record<CellType, number> = { lstm: 4, gru: 3, rnn: 1 };

export interface ParamSpec {
  name: string;
  shape: number[];
}

export function paramSpecs(vocabSize: number, cfg: ModelConfig): ParamSpec[] {
  const H = cfg.units;
  const G = GATES[cfg.cell];
  const specs: ParamSpec[] = [{ name: 'embedding', shape: [vocabSize, cfg.embedding] }];
  for (let l = 0; l < cfg.layers; l++) {
    const inDim = l === 0 ? cfg.embedding : H;
    specs.push(
      { name: `layer${l}.kernel`, shape: [inDim, G * H] },
      { name: `layer${l}.recurrentKernel`, shape: [H, G * H] },
      { name: `layer${l}.bias`, shape: [G * H] },
    );
  }
  specs.push({ name: 'output.kernel', shape: [H, vocabSize] }, { name: 'output.bias', shape: [vocabSize] });
  return specs;
}

export function countParameters(vocabSize: number, cfg: ModelConfig): number {
  return paramSpecs(vocabSize, cfg).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}


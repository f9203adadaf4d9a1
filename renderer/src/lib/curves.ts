// What the loss charts draw from a run's metric points: its curves, the unit they are in, and where its
// learning rate was changed mid-run, the overlay's smoothing and each run's colour. Pure functions, shared by
// the live monitor, a run's page and Runs. Their words are in the current language (runs area).
import type { Task } from '../../../shared/config.ts';
import type { MetricPoint } from '../../../shared/types.ts';
import { seriesColour } from '../state/chart-theme.svelte.ts';
import { t } from './i18n.svelte.ts';

export interface Point {
  x: number;
  y: number;
}

/** A generator's loss is per character it predicts; a classifier's, per example it labels. */
export const lossUnit = (task: Task): string => t(`runs.unit.${task}` as const);
export const lossAxisLabel = (task: Task): string => t('runs.chart.loss', { unit: lossUnit(task) });

export const trainCurve = (points: MetricPoint[]): Point[] => points.flatMap((p) => (p.trainLoss === null ? [] : [{ x: p.step, y: p.trainLoss }]));
export const validationCurve = (points: MetricPoint[]): Point[] => points.flatMap((p) => (p.valLoss === null ? [] : [{ x: p.step, y: p.valLoss }]));

/** The overlay's smoothing choices: the weight of the running average (0: the raw curve). */
export const SMOOTHING = [
  { name: 'off', weight: 0 },
  { name: 'light', weight: 0.6 },
  { name: 'strong', weight: 0.9 },
] as const;
export type Smoothing = (typeof SMOOTHING)[number]['name'];
export const smoothingWeight = (name: Smoothing): number => SMOOTHING.find((s) => s.name === name)!.weight;

/**
 * An exponential moving average of a curve, as TensorBoard smooths: each point is weight × the average so
 * far + (1 − weight) × its own value, divided by the weights summed so far, so the start is not pulled
 * towards 0. Weight 0 returns the points unchanged; non-finite values pass through without entering the average.
 */
export function smoothCurve(points: Point[], weight: number): Point[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be at least 0 and below 1, not ${weight}`);
  if (weight === 0) return points;
  let average = 0;
  let total = 0;
  return points.map((p) => {
    if (!Number.isFinite(p.y)) return p;
    average = average * weight + (1 - weight) * p.y;
    total = total * weight + (1 - weight);
    return { x: p.x, y: average / total };
  });
}

/** A run's colour follows its id, not its place in a selection, so ticking another run recolours none. */
export const runColour = (id: number): string => seriesColour(id - 1);

export interface LearningRateChange {
  /** The first logged step trained at the new rate. */
  step: number;
  from: number;
  to: number;
}

/**
 * Where the learning rate differs from the previous point's (a change made while the run trained), starting
 * from the rate the run was configured with.
 */
export function learningRateChanges(points: MetricPoint[], initial: number): LearningRateChange[] {
  const changes: LearningRateChange[] = [];
  let current = initial;
  for (const p of points) {
    if (p.lr !== current) changes.push({ step: p.step, from: current, to: p.lr });
    current = p.lr;
  }
  return changes;
}

/** A rate as people write it: 0.0005 rather than 5e-4, without float noise. */
export const formatRate = (lr: number): string => String(Number(lr.toPrecision(6)));

/** The chart's marks: one per change, labelled with the new rate. */
export const learningRateMarkers = (changes: LearningRateChange[]) => changes.map((c) => ({ x: c.step, label: t('runs.lr.mark', { rate: formatRate(c.to) }) }));

/** The rate's history in words: "0.002", or "0.002, then 0.0005 from step 340". */
export function describeLearningRate(initial: number, changes: LearningRateChange[]): string {
  return [formatRate(initial), ...changes.map((c) => t('runs.lr.then', { rate: formatRate(c.to), step: c.step }))].join(t('runs.sep'));
}

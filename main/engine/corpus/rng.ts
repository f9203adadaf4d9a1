// A small seeded PRNG whose whole state is one 32-bit number, so a checkpoint can store it and a resumed
// run draws exactly the numbers the uninterrupted run would have drawn (mulberry32).
export class Rng {
  constructor(private state: number) {
    this.state = state >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A fresh 32-bit seed, e.g. for a TensorFlow.js op that takes one. */
  seed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  getState(): number {
    return this.state;
  }
}

/** Mixes several integers into one seed, so independent streams (epoch plans, dropout) never collide. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  }
  return h >>> 0;
}

/** A seed for a user who did not choose one: recorded so the run or sample can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}

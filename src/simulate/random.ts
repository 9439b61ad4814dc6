/**
 * Seeded randomness. sfc32 (Chris Doty-Humphrey's small fast chaotic generator): 128 bits of
 * state, passes PractRand far beyond what a simulation draws, and is pure 32-bit integer
 * arithmetic, so it is identical on every machine. Each concern gets its own stream (seed +
 * label), so changing how one table is generated does not reshuffle the others.
 */

const TWO_32 = 4_294_967_296;

/** FNV-1a of a label. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit integer finaliser (from splitmix/murmur3): neighbouring inputs give unrelated outputs. */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = Number.NaN;

  constructor(seed: number, stream: string) {
    if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_32) >>> 0;
    const label = hashLabel(stream);
    this.a = mix32(low ^ 0x9e3779b9);
    this.b = mix32(high ^ label);
    this.c = mix32(label ^ low ^ 0x85ebca6b);
    this.d = 1;
    for (let i = 0; i < 16; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / TWO_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [low, high]. */
  intBetween(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  between(low: number, high: number): number {
    return low + this.next() * (high - low);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Marsaglia's polar method, both values used). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const v = this.spareNormal;
      this.spareNormal = Number.NaN;
      return v;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Log-normal with the given median; sigma is the spread of its logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Log-uniform in [low, high): as many values between 1 and 10 as between 10 and 100. */
  logUniform(low: number, high: number): number {
    return low * Math.exp(this.next() * Math.log(high / low));
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** floor(x) or ceil(x), so that the expected value is x: counts without Poisson noise. */
  roundStochastic(x: number): number {
    const whole = Math.floor(x);
    return whole + (this.next() < x - whole ? 1 : 0);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
}

/** A fixed discrete distribution: index i with probability weights[i] / sum(weights). */
export class Weighted {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      if (!(w >= 0)) throw new Error(`weight ${i} must be >= 0`);
      sum += w;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new Error("weights must not all be zero");
    this.total = sum;
  }

  index(rng: Random): number {
    const x = rng.next() * this.total;
    const c = this.cumulative;
    const last = c.length - 1;
    for (let i = 0; i < last; i++) if (x < (c[i] ?? 0)) return i;
    return last;
  }
}

/** A fixed list with weights: `pick` returns an item with probability proportional to its weight. */
export class WeightedList<T> {
  private readonly weights: Weighted;

  constructor(private readonly items: readonly (readonly [T, number])[]) {
    this.weights = new Weighted(items.map(([, w]) => w));
  }

  pick(rng: Random): T {
    const entry = this.items[this.weights.index(rng)];
    if (entry === undefined) throw new Error("empty weighted list");
    return entry[0];
  }
}

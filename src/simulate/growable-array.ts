/**
 * An append-only Int32Array that doubles when full: compact storage for the millions of small
 * records one phase hands to the next (size l keeps them in tens of MB, not GB of objects).
 */
export class GrowableInt32 {
  private data: Int32Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Int32Array(Math.max(16, initialCapacity));
  }

  static of(values: Int32Array): GrowableInt32 {
    const array = new GrowableInt32(values.length);
    array.data.set(values);
    array.length = values.length;
    return array;
  }

  /** A compact copy of the values (to hand to another thread). */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index] ?? 0;
  }

  set(index: number, value: number): void {
    if (index >= this.length) throw new Error(`index ${index} beyond length ${this.length}`);
    this.data[index] = value;
  }
}

/** A growable Int32Array: interactions are stored as parallel integer columns, not one object each. */
export class IntVector {
  private data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index]!;
  }

  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Strings to dense integer ids, in first-seen order. */
export class Dictionary {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  intern(id: string): number {
    let found = this.index.get(id);
    if (found === undefined) {
      found = this.ids.length;
      this.ids.push(id);
      this.index.set(id, found);
    }
    return found;
  }

  lookup(id: string): number | undefined {
    return this.index.get(id);
  }

  get size(): number {
    return this.ids.length;
  }
}

/**
 * The spent nonces of one minute, as `serve` keeps them in memory: 128-bit hashes in one typed
 * array (open addressing, linear probing), each with whether this server wrote the first line for it.
 *
 * Why not a Map of the hashes' text: exact replay protection keeps every nonce whose timestamp is
 * in the window, up to NONCES_PER_KEY of them per key. As Map entries of 22-character strings that
 * was about 160 bytes a nonce (32 MB after 200,000 requests, 160 MB at the per-key limit), all of it
 * objects the garbage collector walks again at every full collection. Here a nonce costs at most
 * 2 x 17 bytes (the table is at most half full), outside the JavaScript heap.
 *
 * 128 of the hash's 132 bits: two different nonces of one minute share them with a probability
 * near n^2 / 2^129, and a shared one would only refuse a request (SignatureNonceUsed), never let
 * a replay through.
 */

/** Nothing here yet, or the first line's writer: another ledger, or this one. */
const EMPTY = 0;
const OTHERS = 1;
const MINE = 2;

const WORDS = 4;
const INITIAL_SLOTS = 1024;

export class NonceSet {
  private slots = INITIAL_SLOTS;
  private keys = new Uint32Array(INITIAL_SLOTS * WORDS);
  private owners = new Uint8Array(INITIAL_SLOTS);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Whether the hash (16 bytes at `at` of `bytes`) is here. */
  has(bytes: Uint8Array, at = 0): boolean {
    return this.owners[this.slotOf(bytes, at)] !== EMPTY;
  }

  /** Whether this ledger wrote the first line of the hash; undefined when it is not here. */
  firstIsMine(bytes: Uint8Array, at = 0): boolean | undefined {
    const owner = this.owners[this.slotOf(bytes, at)];
    return owner === EMPTY ? undefined : owner === MINE;
  }

  /** Adds the hash with its first line's writer; a hash already here keeps the writer it has. */
  add(bytes: Uint8Array, at: number, mine: boolean): void {
    const slot = this.slotOf(bytes, at);
    if (this.owners[slot] !== EMPTY) return;
    this.owners[slot] = mine ? MINE : OTHERS;
    for (let w = 0; w < WORDS; w++) this.keys[slot * WORDS + w] = word(bytes, at + w * 4);
    if (++this.count * 2 > this.slots) this.grow();
  }

  private slotOf(bytes: Uint8Array, at: number): number {
    return this.find(word(bytes, at), word(bytes, at + 4), word(bytes, at + 8), word(bytes, at + 12));
  }

  /** The slot holding the hash, or the empty slot where it would go. */
  private find(a: number, b: number, c: number, d: number): number {
    const mask = this.slots - 1;
    // The hash is uniformly distributed already: its first word is as good an index as any.
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      if (this.owners[slot] === EMPTY) return slot;
      const k = slot * WORDS;
      if (this.keys[k] === a && this.keys[k + 1] === b && this.keys[k + 2] === c && this.keys[k + 3] === d) return slot;
    }
  }

  private grow(): void {
    const { keys, owners, slots } = this;
    this.slots = slots * 2;
    this.keys = new Uint32Array(this.slots * WORDS);
    this.owners = new Uint8Array(this.slots);
    for (let slot = 0; slot < slots; slot++) {
      if (owners[slot] === EMPTY) continue;
      const k = slot * WORDS;
      const to = this.find(keys[k]!, keys[k + 1]!, keys[k + 2]!, keys[k + 3]!);
      this.owners[to] = owners[slot]!;
      this.keys.set(keys.subarray(k, k + WORDS), to * WORDS);
    }
  }
}

/** Four bytes as one unsigned word (little-endian). */
function word(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

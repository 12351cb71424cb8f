/**
 * Memo tables for the pure core. Module-level caches outlive one Lambda invocation (a warm container
 * keeps its modules), so each one must be safe to share: the values are pure functions of their keys and
 * frozen or never mutated, and the cache is bounded. Every cache registers here so that a test can start
 * from empty ones (`resetCaches`).
 */

interface Resettable {
  readonly name: string;
  readonly size: number | undefined;
  clear(): void;
}

const registry: Resettable[] = [];

/**
 * A Map bounded by entry count: when full it is cleared before the next entry goes in. A clear costs one
 * rebuild of the working set, which is far smaller than the bound; an LRU would cost more on every hit.
 * Caches given the same `pool` share one bound and are cleared together.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #pool: readonly BoundedCache<unknown, unknown>[];

  constructor(
    readonly name: string,
    readonly maxEntries: number,
    pool?: BoundedCache<unknown, unknown>[],
  ) {
    if (pool) pool.push(this as BoundedCache<unknown, unknown>);
    this.#pool = pool ?? [this as BoundedCache<unknown, unknown>];
    registry.push(this);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    let total = 0;
    for (const cache of this.#pool) total += cache.size;
    if (total >= this.maxEntries) for (const cache of this.#pool) cache.clear();
    this.#entries.set(key, value);
  }

  /** The cached value for `key`, built (and cached) on first use. */
  getOrCreate(key: K, build: (key: K) => V): V {
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const value = build(key);
    this.set(key, value);
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * A WeakMap keyed by object identity: an entry lives as long as its key object, so the cache is bounded
 * by what the program still holds. Callers must say whose objects the keys are.
 */
export class IdentityCache<K extends object, V> {
  #entries = new WeakMap<K, V>();
  readonly size = undefined;

  constructor(readonly name: string) {
    registry.push(this);
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    this.#entries.set(key, value);
  }

  /** The cached value for `key`, built (and cached) on first use. */
  getOrCreate(key: K, build: (key: K) => V): V {
    let value = this.#entries.get(key);
    if (value === undefined) {
      value = build(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  clear(): void {
    this.#entries = new WeakMap();
  }
}

/** Empties every registered cache: for tests that must not depend on what an earlier test cached. */
export function resetCaches(): void {
  for (const cache of registry) cache.clear();
}

/** Name and entry count (undefined for identity caches) of every registered cache. */
export function cacheSizes(): { readonly name: string; readonly size: number | undefined }[] {
  return registry.map((cache) => ({ name: cache.name, size: cache.size }));
}

/**
 * A small least-recently-used cache of rendered markup, keyed by everything the markup is made from. A page that
 * draws the same numbers again (the dashboard on every visit until something is added) reuses its charts instead
 * of building them again: building them costs about as much as the rest of the page. The key holds the inputs
 * themselves, so two requests share an entry only when their markup would be identical, and nothing in an entry
 * was not already in the key.
 */
export function createFragmentCache<T>(limit: number) {
  const entries = new Map<string, T>();
  return {
    /** The markup made from `key`'s inputs, built by `make` when not kept. */
    get(key: string, make: () => T): T {
      const kept = entries.get(key);
      if (kept !== undefined) {
        // Most recently used last, so the first entry is the one to drop.
        entries.delete(key);
        entries.set(key, kept);
        return kept;
      }
      const made = make();
      entries.set(key, made);
      if (entries.size > limit) entries.delete(entries.keys().next().value!);
      return made;
    },
    get size(): number {
      return entries.size;
    },
  };
}

export type FragmentCache<T> = ReturnType<typeof createFragmentCache<T>>;

/** A Map that keeps its `max` most recently used entries: caches keyed by user input stay bounded. */
export function createLru<K, V>(max: number) {
  const map = new Map<K, V>();
  return {
    get(key: K): V | undefined {
      const value = map.get(key);
      if (value !== undefined) {
        map.delete(key); // re-inserted: the newest
        map.set(key, value);
      }
      return value;
    },
    set(key: K, value: V): void {
      map.delete(key);
      map.set(key, value);
      if (map.size > max) map.delete(map.keys().next().value as K);
    },
    get size() {
      return map.size;
    },
  };
}

/**
 * One pass over JSON text that JSON.parse has already accepted: finds the nesting depth
 * and duplicate object keys (JSON.parse silently keeps the last).
 * Iterative, so hostile nesting cannot overflow the stack.
 */
export interface JsonScan {
  depth: number;
  /** Path of the first duplicated key, e.g. `permissions.read`; undefined when none. */
  duplicateKey?: string;
  /**
   * Path of the first key in {@link RESERVED_KEYS}. Nest's ValidationPipe deletes `__proto__`,
   * `constructor` and `prototype` (against prototype pollution) before the whitelist looks,
   * and class-transformer skips any key naming a method the DTO instance already has (all of
   * Object.prototype's: `{"toString": 0}`), so these were silently accepted where every other
   * unknown field is refused (found by the reliability suite). No body of this API
   * has such a field.
   */
  reservedKey?: string;
}

/** `prototype`, and the names of Object.prototype's members (what every DTO instance inherits). */
const RESERVED_KEYS = new Set(['prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

export function scanJson(text: string, maxDepth: number): JsonScan {
  // One frame per open container: the keys seen (objects) or null (arrays), and the key path.
  const frames: { keys: Set<string> | null; path: string }[] = [];
  let depth = 0;
  let expectKey = false;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          i++;
        } else if (d === 0x22) {
          break;
        }
      }
      const frame = frames[frames.length - 1];
      if (expectKey && frame?.keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        const path = frame.path ? `${frame.path}.${key}` : key;
        if (frame.keys.has(key)) {
          return { depth, duplicateKey: path };
        }
        if (RESERVED_KEYS.has(key)) {
          return { depth, reservedKey: path };
        }
        frame.keys.add(key);
        lastKey = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = frames[frames.length - 1];
      const segment = parent ? (parent.keys ? lastKey : '[]') : '';
      const path = parent?.path ? `${parent.path}.${segment}` : segment;
      frames.push({ keys: c === 0x7b ? new Set() : null, path });
      depth = Math.max(depth, frames.length);
      if (depth > maxDepth) {
        return { depth };
      }
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      frames.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = Boolean(frames[frames.length - 1]?.keys);
    }
  }
  return { depth };
}

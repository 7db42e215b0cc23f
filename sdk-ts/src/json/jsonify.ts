type JsonPrimitive = string | number | boolean | null;
// Values JSON.stringify drops from objects and turns into null in arrays.
type Dropped = undefined | symbol | ((...args: never[]) => unknown);

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type JsonifyObject<T> = Simplify<
  {
    [K in keyof T as K extends symbol ? never : [T[K]] extends [Dropped] ? never : undefined extends T[K] ? never : K]: Jsonify<T[K]>;
  } & {
    [K in keyof T as K extends symbol ? never : [T[K]] extends [Dropped] ? never : undefined extends T[K] ? K : never]?: Jsonify<Exclude<T[K], undefined>>;
  }
>;

/**
 * The type of a value after a JSON round trip (`JSON.parse(JSON.stringify(v))`),
 * which is what every step result and run output goes through: a Date becomes
 * a string (via toJSON), undefined/functions become null at the top level and
 * in arrays and vanish from objects, class instances become plain objects.
 * Approximate for exotic types (Map and Set become `{}` at runtime).
 */
export type Jsonify<T> = unknown extends T
  ? T
  : T extends JsonPrimitive
    ? T
    : T extends Dropped
      ? null
      : T extends bigint
        ? never
        : T extends { toJSON(...args: never[]): infer R }
          ? Jsonify<R>
          : T extends readonly (infer U)[]
            ? Jsonify<U>[]
            : T extends object
              ? JsonifyObject<T>
              : never;

/**
 * A value the template does not determine (an import, a parameter without a default, a circular reference).
 * It is an object, never a string: code that expects an ARN or an action sees a non-string and must fail
 * closed, and accidental string coercion (`${value}`, `+`) throws instead of producing a matchable text.
 */
export class Unknown {
  readonly kind = 'unknown' as const;
  constructor(
    /** Names the expression that could not be resolved and why: `Fn::ImportValue "shared-key-arn": ...`. */
    readonly reason: string,
  ) {
    Object.freeze(this);
  }

  [Symbol.toPrimitive](): never {
    throw new TypeError(`an unknown template value cannot be used as text (${this.reason})`);
  }

  /** Keeps JSON output honest: `{"unknown": reason}`, never a string that could pass for a value. */
  toJSON(): { unknown: string } {
    return { unknown: this.reason };
  }
}

/** True when the template does not determine `value`. */
export function isUnknown(value: unknown): value is Unknown {
  return value instanceof Unknown;
}

/** `T` with every string possibly unknown, recursively: the shape of extracted facts before any adapter. */
export type MaybeUnknown<T> = T extends undefined | null
  ? T
  : T extends string
    ? T | Unknown
    : T extends readonly (infer E)[]
      ? readonly MaybeUnknown<E>[]
      : T extends ReadonlyMap<infer K, infer V>
        ? ReadonlyMap<K, MaybeUnknown<V>>
        : T extends object
          ? { readonly [K in keyof T]: MaybeUnknown<T[K]> }
          : T | Unknown;

/** Where an unknown sits inside a value, as a path (`Statement[0].Resource`), with its reason. */
export interface UnknownAt {
  readonly path: string;
  readonly reason: string;
}

/**
 * Every unknown inside `value`, depth first, so an adapter can fail closed naming each one. Arrays and plain
 * objects are searched; other values are leaves.
 */
export function unknownsIn(value: unknown, path = ''): UnknownAt[] {
  if (isUnknown(value)) return [{ path: path === '' ? '(value)' : path, reason: value.reason }];
  if (Array.isArray(value)) return value.flatMap((item, index) => unknownsIn(item, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      unknownsIn(item, path === '' ? key : `${path}.${key}`),
    );
  }
  return [];
}

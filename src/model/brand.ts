/**
 * A nominal type: a number (or other value) that the type checker keeps apart from
 * other numbers. seL4's Haskell specification does the same with `VPtr`, `PAddr`
 * and `PPtr a`, so that a virtual address can never be passed where a physical one is due.
 */
export type Brand<T, Name extends string> = T & { readonly __brand: Name };

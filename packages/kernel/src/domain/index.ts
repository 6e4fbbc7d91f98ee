/** Domain-side kernel: free of ORM, Redis and GraphQL imports, so domain code may use it. */
export * from './errors';
export * from './aggregate-root';
export * from './validate';
export * from './money';

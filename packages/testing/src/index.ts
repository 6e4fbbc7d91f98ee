/** Helpers for integration and end-to-end tests against real stores, Redis and processes. */
export * from './stores';
export * from './redis';
export * from './wait';
export * from './graphql';
export * from './tables';
export * from './domain';
export * from './context-harness';
export * from './processes';
export * from './tcp-proxy';
export * from './subscriptions';
export * from './polyglot-stack';
export * from './metrics';
export * from './auth';
export * from './exit';

export * from './identity';
export * from './internal-credential';
export * from './authorization';
export * from './subgraph-auth';
export * from './user-token';
export * from './bearer-auth';

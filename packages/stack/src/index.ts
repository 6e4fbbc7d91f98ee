/**
 * The stack tooling: `startStack` (every subgraph and the router as processes, Redis if needed;
 * used by `npm start` and the end-to-end tests), the log sinks, and the errors it raises.
 */
export { startStack, entryScript } from './launcher';
export type { StackHandle, StackOptions } from './launcher';
export { StackError } from './errors';
export { STACK_SERVICES } from './env';
export type { EnvOverrides } from './env';
export { fileSink, memorySink, prefixedSink } from './log-lines';
export type { FileSink, LogLine, LogSink, MemorySink, PrefixedSinkOptions } from './log-lines';
export { ensureRedis, redisAnswers } from './private-redis';
export type { PrivateRedis, RedisSetup } from './private-redis';
export { freePort } from './net';
export { percentile } from './stats';
export { metricSample, metricSum } from './metrics-text';

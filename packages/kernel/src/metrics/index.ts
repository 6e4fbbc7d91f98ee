export * from './hooks';
export * from './service-metrics';

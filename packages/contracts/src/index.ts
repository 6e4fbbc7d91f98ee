export * from './ticketing';
export * from './notification';

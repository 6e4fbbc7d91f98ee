export * from './ticketing';

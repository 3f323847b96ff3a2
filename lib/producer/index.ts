export * from './producer';
export * from './naming';
export * from './validate-producers';
export * from './azure-coordinates';
export * from './rules';
export * from './outputs';

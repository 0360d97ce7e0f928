/* The property suites, the program generators and the external-trace validator (the library API). */
export * from './program.js';
export * from './laws.js';
export * from './suites.js';
export * from './faults.js';
export * from './external.js';

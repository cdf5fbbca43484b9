export { calculateBackoff, calculateBackoffDelay } from './utils/backoff.js';

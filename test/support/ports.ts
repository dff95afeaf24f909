export { findFreePort } from '../../src/firestore/free-port';

import path from 'node:path';

// Compiled files run from build/src/, two levels below the project root.
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const TEMPLATES_DIR = path.join(PROJECT_ROOT, 'templates');
export const PUBLIC_DIR = path.join(PROJECT_ROOT, 'public');

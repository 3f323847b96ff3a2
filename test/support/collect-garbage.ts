/**
 * Runs after every test file (jest.config.js `setupFilesAfterEnv`): a full garbage collection once
 * the file's tests are done, so a worker's heap shrinks back between files instead of growing to
 * the 0.4–0.7 GB (0.9–1.3 GB resident) that synthesizing stacks and streaming large objects reach.
 *
 * Why: when a run ends, Jest gives each worker 500 ms to exit before it force-kills it and prints
 * "A worker process has failed to exit gracefully". No handle or timer keeps a worker alive (its
 * 'exit' event fires within milliseconds of Jest asking), but tearing down a heap of that size —
 * one munmap per V8 page — took 0.4–0.6 s on a two-core machine, so the warning came from memory
 * held at exit, not from a leak. This hook runs before the file's own `afterAll` hooks, so it frees
 * what earlier files left and what this file's finished tests no longer reference.
 *
 * `gc` is obtained here rather than through `--expose-gc` in NODE_OPTIONS, which Node accepts only
 * from 20.18 and which every process the tests start would inherit.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

afterAll(() => {
  gc();
});

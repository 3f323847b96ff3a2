/**
 * The JSON object scanner in WebAssembly (compiled from json-scan.as.ts): the same contract as
 * {@link JsonObjectScanner}, about 1.5 times as fast, because string content is skipped sixteen
 * bytes at a time with SIMD: in the forwarder's CPU profile at 400 MB, about 0.4 s against 0.6 s,
 * which had been the largest single cost left on its main thread.
 *
 * Each line is copied into the module's memory and scanned there. Copying a line costs little
 * beside scanning it, and it means nothing is cached between calls: the bytes scanned are always
 * the caller's bytes as they are now.
 */
import { JSON_SCAN_WASM } from './json-scan-wasm.generated';
import { checkScannerKeys, JsonObjectScanner, type ObjectScanner } from './json-scan';

/**
 * The parts of the WebAssembly JavaScript API used here. TypeScript declares them only in its DOM
 * library, which this Node.js project does not load; and `WebAssembly` itself is absent under
 * `node --jitless`.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  readonly Global: abstract new (...args: never[]) => { readonly value: unknown };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** What json-scan.as.ts exports, besides its layout's globals. */
interface ScanExports {
  readonly memory: WasmMemory;
  readonly scan: (start: number, end: number) => number;
}

/** The module's memory layout (byte offsets and limits), defined in json-scan.as.ts alone. */
export interface ScanLayout {
  readonly objectStart: number;
  readonly objectEnd: number;
  readonly keyCount: number;
  readonly keyTable: number;
  readonly maxKeys: number;
  readonly values: number;
  readonly maxDepth: number;
  readonly keyBytes: number;
  readonly maxKeyBytes: number;
  readonly input: number;
}

/** The compiled scanner and its layout. */
export interface ScanModule {
  readonly module: object;
  readonly layout: ScanLayout;
}

const PAGE_BYTES = 64 * 1024;

/**
 * Compiles the scanner's module and reads its layout, or returns null where WebAssembly (or
 * its SIMD) is not available, such as under `node --jitless`: the JavaScript scanner does the
 * same work there.
 */
export function compileScanModule(
  bytes: Uint8Array = Buffer.from(JSON_SCAN_WASM, 'base64'),
): ScanModule | null {
  if (wasmApi === undefined) return null;
  let module: object;
  let exports: Record<string, unknown>;
  try {
    module = new wasmApi.Module(bytes);
    // An instance to read the layout from; it also fails here, not on the first object, where
    // memory for one cannot be had.
    exports = new wasmApi.Instance(module, {}).exports;
  } catch {
    return null;
  }
  const value = (name: string): number => {
    const global = exports[name];
    if (!(global instanceof wasmApi.Global)) throw new Error(`the scanner's module does not export ${name}`);
    return global.value as number;
  };
  return {
    module,
    layout: {
      objectStart: value('OBJECT_START'),
      objectEnd: value('OBJECT_END'),
      keyCount: value('KEY_COUNT'),
      keyTable: value('KEY_TABLE'),
      maxKeys: value('MAX_KEYS'),
      values: value('VALUES'),
      maxDepth: value('MAX_DEPTH'),
      keyBytes: value('KEY_BYTES'),
      maxKeyBytes: value('MAX_KEY_BYTES'),
      input: value('INPUT'),
    },
  };
}

let compiled: { scanModule: ScanModule | null } | undefined;

/** The scanner's module, compiled once per process (about a millisecond); null if it cannot be. */
export function scanModule(): ScanModule | null {
  compiled ??= { scanModule: compileScanModule() };
  return compiled.scanModule;
}

/**
 * A scanner for `keys`: the WebAssembly one when it can run here and the keys fit its layout, else
 * the JavaScript one. `wasm` is for tests.
 */
export function createJsonObjectScanner(
  keys: readonly string[],
  wasm: ScanModule | null = scanModule(),
): ObjectScanner {
  checkScannerKeys(keys);
  if (wasm !== null && WasmJsonObjectScanner.fits(keys, wasm.layout)) {
    try {
      return new WasmJsonObjectScanner(keys, wasm);
    } catch {
      // No instance (its memory could not be allocated): the JavaScript scanner does the same work.
    }
  }
  return new JsonObjectScanner(keys);
}

/** The JSON object scanner over WebAssembly memory; see {@link ObjectScanner}. */
export class WasmJsonObjectScanner implements ObjectScanner {
  /** Whether the layout has room for `keys` (32 keys of 2048 bytes in all, as compiled). */
  public static fits(keys: readonly string[], layout: ScanLayout): boolean {
    return (
      keys.length <= layout.maxKeys && keys.reduce((sum, key) => sum + key.length, 0) <= layout.maxKeyBytes
    );
  }

  public objectStart = 0;
  public objectEnd = 0;
  public readonly valueKind: Uint8Array;
  public readonly valueStart: Int32Array;
  public readonly valueEnd: Int32Array;

  readonly #scan: (start: number, end: number) => number;
  readonly #memory: WasmMemory;
  readonly #layout: ScanLayout;
  /** Views of the module's memory, made again whenever it grows (growing detaches the old ones). */
  #bytes: Uint8Array;
  #words: Int32Array;

  /** @param keys top-level member names to locate, ASCII (each at most once) */
  public constructor(keys: readonly string[], wasm: ScanModule) {
    checkScannerKeys(keys);
    const layout = wasm.layout;
    if (!WasmJsonObjectScanner.fits(keys, layout)) {
      const bytes = keys.reduce((sum, key) => sum + key.length, 0);
      throw new RangeError(
        `WasmJsonObjectScanner records at most ${layout.maxKeys} keys of ${layout.maxKeyBytes} bytes ` +
          `in all, not ${keys.length} keys of ${bytes} bytes: use createJsonObjectScanner, which ` +
          'falls back to the JavaScript scanner',
      );
    }
    // A module compiled here (compileScanModule) means the API is here.
    const exports = new wasmApi!.Instance(wasm.module, {}).exports as unknown as ScanExports;
    this.#scan = exports.scan;
    this.#memory = exports.memory;
    this.#layout = layout;
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#words = new Int32Array(this.#memory.buffer);
    this.valueKind = new Uint8Array(keys.length);
    this.valueStart = new Int32Array(keys.length);
    this.valueEnd = new Int32Array(keys.length);
    // The keys' table and bytes, written once.
    let offset = layout.keyBytes;
    keys.forEach((key, k) => {
      this.#words[layout.keyTable / 4 + 2 * k] = offset;
      this.#words[layout.keyTable / 4 + 2 * k + 1] = key.length;
      for (let j = 0; j < key.length; j++) this.#bytes[offset++] = key.charCodeAt(j);
    });
    this.#words[layout.keyCount / 4] = keys.length;
  }

  public scan(bytes: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    // Outside `bytes` the JavaScript scanner reads `undefined` and refuses; here a short copy would
    // leave an earlier line's bytes in memory to be scanned instead.
    if (!(length > 0) || start < 0 || end > bytes.length) return false;
    const layout = this.#layout;
    const input = layout.input;
    if (input + length > this.#bytes.length) this.#grow(input + length);
    this.#bytes.set(bytes.subarray(start, end), input);
    if (this.#scan(input, input + length) === 0) return false;
    // Positions in memory back to positions in `bytes`.
    const shift = start - input;
    const words = this.#words;
    this.objectStart = words[layout.objectStart / 4] + shift;
    this.objectEnd = words[layout.objectEnd / 4] + shift;
    const values = layout.values / 4;
    for (let k = 0; k < this.valueKind.length; k++) {
      const kind = words[values + 3 * k];
      this.valueKind[k] = kind;
      if (kind !== 0) {
        this.valueStart[k] = words[values + 3 * k + 1] + shift;
        this.valueEnd[k] = words[values + 3 * k + 2] + shift;
      }
    }
    return true;
  }

  /** Grows the module's memory to hold at least `bytes` (never shrinks: lines are bounded in length). */
  #grow(bytes: number): void {
    this.#memory.grow(Math.ceil((bytes - this.#memory.buffer.byteLength) / PAGE_BYTES));
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#words = new Int32Array(this.#memory.buffer);
  }
}

// The npm `espeak-ng` package (an Emscripten build of the espeak-ng command line) ships no types.
declare module 'espeak-ng' {
  /** Opaque WebAssembly objects (the project's TypeScript libs have no WebAssembly declarations). */
  export type WasmModule = object;
  export type WasmImports = Record<string, Record<string, unknown>>;
  export type WasmInstance = { exports: Record<string, unknown> };
  interface ESpeakNgModuleOptions {
    arguments?: string[];
    print?: (text: string) => void;
    printErr?: (text: string) => void;
    quit?: (status: number, toThrow: unknown) => void;
    instantiateWasm?: (
      imports: WasmImports,
      receiveInstance: (instance: WasmInstance, module: WasmModule) => void,
    ) => object;
  }
  interface ESpeakNgModule {
    FS: { readFile(path: string, options: { encoding: 'utf8' }): string };
  }
  const ESpeakNg: (options?: ESpeakNgModuleOptions) => Promise<ESpeakNgModule>;
  export default ESpeakNg;
}

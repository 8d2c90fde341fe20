// Vite-style asset imports: the build rewrites them to `new URL(..., import.meta.url)`.
declare module '*.wasm?url' {
  const url: string;
  export default url;
}

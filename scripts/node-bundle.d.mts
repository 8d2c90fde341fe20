// Types of node-bundle.mjs for the TypeScript tests that bundle worker scripts with it.
import type { BuildOptions } from 'esbuild';

export declare const nodeBundleOptions: BuildOptions;

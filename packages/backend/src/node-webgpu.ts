// The webgpu backend in Node, on Dawn (the npm package `webgpu`, which ships
// its native binary). tfjs-backend-webgpu registers itself only where
// `navigator.gpu` exists when it is imported, and then asks for an adapter with
// no time limit; here latent finds a Vulkan driver, asks for the adapter and
// the device itself (with a timeout, and an error that says what to install),
// and registers a backend that turns a lost device into an error.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Thrown by every GPU operation once the device is gone (driver reset, GPU
 * removed, out of memory). The trainer's step raises it, so a run stops
 * before it writes another checkpoint: the last one on disk stays intact.
 */
export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
}

/** Folders where Chromium installs its SwiftShader Vulkan driver (Debian/Ubuntu, Fedora, Arch, Chrome). */
const CHROMIUM_DIRS = [
  '/usr/lib/chromium',
  '/usr/lib/chromium-browser',
  '/usr/lib64/chromium-browser',
  '/opt/google/chrome',
];
/** Where the Vulkan loader looks for installed drivers' manifests. */
const SYSTEM_ICD_DIRS = [
  '/etc/vulkan/icd.d',
  '/usr/share/vulkan/icd.d',
  '/usr/local/share/vulkan/icd.d',
];
/** Dawn answers in milliseconds; a driver that takes this long is hung. */
const TIMEOUT_MS = 30_000;
/** Linux's RTLD_NODELETE: keep a library loaded although Node closes a non-addon again. */
const RTLD_NODELETE = 0x1000;

const INSTALL_HINT =
  'The webgpu backend needs a Vulkan driver (Linux) and the Vulkan loader: on a machine with a GPU its ' +
  "vendor's driver or Mesa's (Debian: apt install libvulkan1 mesa-vulkan-drivers); on a machine without " +
  "one, the SwiftShader driver of Debian's chromium package (apt install chromium), which latent finds by " +
  'itself in /usr/lib/chromium, or set VK_ICD_FILENAMES to a driver manifest (e.g. vk_swiftshader_icd.json). ' +
  "(Mesa's lavapipe on Debian 12 is too old for Dawn.)";

let started: Promise<string> | undefined;

/**
 * Registers the `webgpu` backend on a Dawn device, once; returns the adapter's
 * description (e.g. "SwiftShader driver 5.0.0", a CPU emulation). Throws
 * saying what to install when no adapter can be had, within `TIMEOUT_MS`.
 */
export function startNodeWebGpu(): Promise<string> {
  started ??= start().catch((e) => {
    started = undefined;
    throw e;
  });
  return started;
}

async function start(): Promise<string> {
  const tried: string[] = [];
  let found: { adapter: GPUAdapter; gpu: GPU } | undefined;
  for (const setup of driverChoices()) {
    const why = setup();
    const { create, globals } = await import('webgpu');
    for (const [key, value] of Object.entries(globals)) {
      if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
    }
    const gpu = create([]) as GPU;
    const adapter = await within(
      gpu.requestAdapter({ powerPreference: 'high-performance' }),
      'requestAdapter',
    );
    tried.push(`${why}: ${adapter ? 'adapter found' : 'no adapter'}`);
    if (adapter) {
      found = { adapter, gpu };
      break;
    }
  }
  if (!found) throw new Error(`No WebGPU adapter (tried ${tried.join('; ')}). ${INSTALL_HINT}`);
  const { adapter, gpu } = found;
  const device = await within(adapter.requestDevice(deviceDescriptor(adapter)), 'requestDevice');
  // Loaded before `navigator.gpu` exists, it registers no factory of its own;
  // its backend's constructor checks for `navigator.gpu`, so that comes next.
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  setNavigatorGpu(gpu);
  const Backend = lostAware(WebGPUBackend);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  // Priority 0: never chosen unless asked for by name.
  tf.registerBackend('webgpu', () => new Backend(device, adapter.info), 0);
  const { description, vendor, architecture } = adapter.info;
  return description || [vendor, architecture].filter(Boolean).join(' ') || 'unnamed adapter';
}

/**
 * The driver set-ups to try in turn; each one prepares the environment and
 * says what it is. An explicit VK_ICD_FILENAMES (or VK_DRIVER_FILES) is the
 * only choice; otherwise the installed drivers, then Chromium's SwiftShader.
 */
function driverChoices(): (() => string)[] {
  if (process.platform !== 'linux') return [() => 'the system GPU drivers'];
  process.env.XDG_RUNTIME_DIR ??= privateRuntimeDir();
  const chromium = CHROMIUM_DIRS.find((d) => existsSync(join(d, 'vk_swiftshader_icd.json')));
  const loader = loadVulkanLoader(chromium);
  const given = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (given) return [() => `VK_ICD_FILENAMES=${given}${loader}`];
  const choices: (() => string)[] = [];
  const installed = SYSTEM_ICD_DIRS.some(
    (d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json')),
  );
  if (installed) choices.push(() => `the installed Vulkan drivers${loader}`);
  if (chromium) {
    choices.push(() => {
      process.env.VK_ICD_FILENAMES = join(chromium, 'vk_swiftshader_icd.json');
      return `SwiftShader from ${chromium}${loader}`;
    });
  }
  if (choices.length === 0) choices.push(() => `no Vulkan driver installed${loader}`);
  return choices;
}

/**
 * Makes `libvulkan.so.1` loadable for Dawn: the system's (package libvulkan1)
 * or else the copy Chromium ships beside SwiftShader. The library search path
 * is fixed when a process starts, so Chromium's copy is loaded here by full
 * path and kept loaded (RTLD_NODELETE); Dawn's later dlopen by name finds it.
 * Returns a note for error messages ("" when the system has one).
 */
function loadVulkanLoader(chromium: string | undefined): string {
  const flags = constants.dlopen.RTLD_NOW | RTLD_NODELETE;
  const loaded = (path: string) => {
    try {
      process.dlopen({ exports: {} }, path, flags);
    } catch (e) {
      // Loaded but not a Node addon: exactly what is wanted.
      return /did not self-register/.test((e as Error).message);
    }
    return true;
  };
  if (loaded('libvulkan.so.1')) return '';
  if (chromium && loaded(join(chromium, 'libvulkan.so.1')))
    return ` (Vulkan loader from ${chromium})`;
  return ' (no Vulkan loader libvulkan.so.1 found)';
}

/** The Vulkan loader wants a private runtime folder; a service or container may not set one. */
function privateRuntimeDir(): string {
  const dir = join(tmpdir(), `latent-runtime-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The limits and features tfjs-backend-webgpu asks for when it makes its own device. */
function deviceDescriptor(adapter: GPUAdapter): GPUDeviceDescriptor {
  const l = adapter.limits;
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  return {
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  };
}

function setNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else g.navigator = { gpu };
}

/** `promise`, or an error naming the call after `TIMEOUT_MS` (a hung driver never answers). */
async function within<T>(promise: Promise<T>, call: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`WebGPU ${call} gave no answer in ${TIMEOUT_MS / 1000} s. ${INSTALL_HINT}`),
        ),
      TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * tfjs-backend-webgpu's backend, plus: a lost device (any loss but the
 * backend's own `dispose`) makes every later kernel and read throw a
 * `GpuDeviceLostError`, instead of reading zeros from a device that is gone.
 */
function lostAware(Base: typeof WebGPUBackend) {
  return class LostAwareWebGPUBackend extends Base {
    private lost?: GPUDeviceLostInfo;
    private disposing = false;

    constructor(device: GPUDevice, info: GPUAdapterInfo) {
      super(device, info);
      void device.lost.then((info) => {
        if (this.disposing) return;
        this.lost = info;
        // A later `initBackend('webgpu')` starts on a fresh device.
        started = undefined;
      });
    }

    private check(): void {
      if (!this.lost) return;
      const { reason, message } = this.lost;
      throw new GpuDeviceLostError(
        `The WebGPU device was lost (${reason}${message ? `: ${message}` : ''}); training cannot go on on it. ` +
          'Restart the run (latent resume continues from the last checkpoint).',
      );
    }

    override runWebGPUProgram(...args: Parameters<WebGPUBackend['runWebGPUProgram']>) {
      this.check();
      return super.runWebGPUProgram(...args);
    }

    override async read(dataId: object) {
      this.check();
      let values: Awaited<ReturnType<WebGPUBackend['read']>>;
      try {
        values = await super.read(dataId);
      } finally {
        // A loss may be reported while the read is in flight (failing it, or
        // giving values not to be trusted): say so rather than pass them on.
        await new Promise((resolve) => setImmediate(resolve));
        this.check();
      }
      return values;
    }

    override readSync(dataId: object) {
      this.check();
      try {
        return super.readSync(dataId);
      } catch (e) {
        // tfjs reads a GPU buffer synchronously through an OffscreenCanvas, which Node lacks.
        if (typeof OffscreenCanvas !== 'undefined') throw e;
        throw new Error(
          `webgpu in Node cannot read a GPU tensor synchronously (dataSync, arraySync): ${(e as Error).message}. Read it with await data() or array().`,
        );
      }
    }

    override dispose() {
      this.disposing = true;
      super.dispose();
      this.device.destroy();
    }
  };
}

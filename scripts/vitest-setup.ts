// Two copies of tfjs-core (or a backend registered twice) only show up as
// console warnings; make them fail the test that caused them.
import { afterEach, beforeEach, vi } from 'vitest';

let warnings: string[] = [];
const original = console.warn;

beforeEach(() => {
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (/already registered|Overriding the gradient/i.test(text)) warnings.push(text);
    original(...args);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  if (warnings.length > 0)
    throw new Error(`tfjs registered something twice:\n${warnings.join('\n')}`);
});

import { describe, expect, it } from 'vitest';
import { formatDuration } from './progress.js';

describe('formatDuration', () => {
  it('formats seconds as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
});

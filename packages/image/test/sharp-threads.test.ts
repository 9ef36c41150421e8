/**
 * The core thread budget caps real sharp's libvips pool (process-wide) and never raises it above
 * what sharp chose: on a platform whose default is every core the budget lowers it.
 */
import { setThreadBudget } from '@mmtok/core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { sharpThreads } from '../src/index.js';

const before = sharp.concurrency();
afterAll(() => {
  sharp.concurrency(before);
});

describe('sharp under the thread budget', () => {
  it('the budget lowers libvips threads to it, and a larger budget leaves them', () => {
    sharp.concurrency(8); // as on a platform whose default is every core of an 8-core machine
    setThreadBudget(3);
    expect(sharpThreads()).toBe(3);
    setThreadBudget(5);
    expect(sharpThreads()).toBe(3);
  });
});

/**
 * StridedArray against the scijs ndarray package it stands in for: the same views (lo, hi, step,
 * transpose, pick, T) give the same shape, stride, offset, order and elements. Seeded by fast-check.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { StridedArray } from '../src/strided-array.js';

type View = {
  shape: number[];
  stride: number[];
  offset: number;
  size: number;
  order: number[];
  dimension: number;
  dtype: string;
  get(...i: number[]): number;
};
type Op = { name: 'lo' | 'hi' | 'step' | 'transpose' | 'pick'; args: (number | null)[] };

function elements(v: View): number[] {
  const out: number[] = [];
  const walk = (prefix: number[]) => {
    if (prefix.length === v.shape.length) out.push(v.get(...prefix));
    else for (let i = 0; i < v.shape[prefix.length]; i++) walk([...prefix, i]);
  };
  walk([]);
  return out;
}

function describeView(v: View) {
  const { shape, stride, offset, size, dimension, dtype } = v;
  // Equal |strides| (size-1 axes) leave the order open; ndarray's generated code breaks such ties arbitrarily.
  const ties = new Set(stride.map(Math.abs)).size < stride.length;
  return { shape, stride, offset, size, dimension, dtype, order: ties ? 'tied' : v.order, elements: elements(v) };
}

const opArb = (dims: number): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({
      name: fc.constant('lo' as const),
      args: fc.array(fc.integer({ min: -1, max: 2 }), { maxLength: dims }),
    }),
    fc.record({
      name: fc.constant('hi' as const),
      args: fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: dims }),
    }),
    fc.record({
      name: fc.constant('step' as const),
      args: fc.array(
        fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
        { maxLength: dims },
      ),
    }),
    fc.record({
      name: fc.constant('transpose' as const),
      args: fc.shuffledSubarray([...Array(dims).keys()], { minLength: dims }),
    }),
    fc.record({
      name: fc.constant('pick' as const),
      args: fc.array(fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 0 })), { maxLength: dims }),
    }),
  );

describe('StridedArray', () => {
  it('matches ndarray for every view and element, with no code generation', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
      .chain((shape) => fc.tuple(fc.constant(shape), fc.array(opArb(shape.length), { maxLength: 3 }), fc.boolean()));
    fc.assert(
      fc.property(arb, ([shape, ops, int]) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const data = int
          ? Int32Array.from({ length: n }, (_, i) => i * 7 - 3)
          : Float32Array.from({ length: n }, (_, i) => i / 4);
        let ours: View = new StridedArray(data, shape) as unknown as View;
        let theirs: View = ndarray(data, shape) as unknown as View;
        expect(describeView(ours)).toEqual(describeView(theirs));
        for (const op of ops) {
          // A view that became empty or lost every axis is where the two may legitimately stop.
          if (ours.shape.length === 0 || ours.size === 0) break;
          const args = op.args.slice(0, ours.shape.length);
          if (op.name === 'transpose' && [...args].sort().join() !== [...ours.shape.keys()].join()) continue;
          if (op.name === 'pick' && args.every((a) => a === 0)) continue;
          ours = (ours as unknown as Record<string, (...a: unknown[]) => View>)[op.name](...args);
          theirs = (theirs as unknown as Record<string, (...a: unknown[]) => View>)[op.name](...args);
          expect(describeView(ours), `${op.name}(${args.join(', ')})`).toEqual(describeView(theirs));
        }
      }),
    );
  });

  it('sets through a view, and T reverses the axes', () => {
    const a = new StridedArray(new Int32Array(6), [2, 3]);
    expect(a.set(1, 2, 9)).toBe(9);
    expect(Array.from(a.data)).toEqual([0, 0, 0, 0, 0, 9]);
    expect(a.T.shape).toEqual([3, 2]);
    expect(a.T.get(2, 1)).toBe(9);
    expect(a.dtype).toBe('int32');
  });
});

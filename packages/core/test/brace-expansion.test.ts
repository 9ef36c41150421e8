import { describe, expect, it } from 'vitest';
import { expandBraces } from '../src/node.js';

describe('expandBraces', () => {
  it('expands numeric brace ranges with their zero padding, and alternatives', () => {
    expect(expandBraces('d-{00008..00011}.tar')).toEqual(['d-00008.tar', 'd-00009.tar', 'd-00010.tar', 'd-00011.tar']);
    expect(expandBraces('{a,b}-{1..2}')).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
    expect(() => expandBraces('{3..1}')).toThrow(/count up/);
  });
});

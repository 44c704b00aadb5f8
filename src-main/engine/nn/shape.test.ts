import { describe, expect, it } from 'vitest';
import { broadcastShapes, dimAdd, dimDivExact, dimEquals, dimFloorDiv, dimMul, dimSub, dimSymbols, normalizeDim, shapeProduct } from './shape.js';

describe('symbolic dims', () => {
  it('keeps one canonical spelling per polynomial', () => {
    expect(normalizeDim('T+P')).toBe('P+T');
    expect(dimEquals('T+P', 'P+T')).toBe(true);
    expect(dimAdd('T', 'P')).toBe('P+T');
    expect(dimSub(dimAdd('T', 'P'), 'T')).toBe('P');
    expect(dimSub('L', 1)).toBe('L-1');
    expect(dimMul(2, dimMul('T', 'B'))).toBe('2*B*T');
    expect(shapeProduct(['B', 'T', 4])).toBe('4*B*T');
    expect(dimAdd(3, 4)).toBe(7);
    expect(normalizeDim('(L-1)*2+3')).toBe('2*L+1');
  });

  it('divides exactly when a single term divides every term, else makes an opaque atom', () => {
    expect(dimDivExact('4*B*T', 4)).toBe('B*T');
    expect(dimDivExact('4*B*T', dimMul('T', 2))).toBe('2*B');
    expect(dimDivExact(12, 4)).toBe(3);
    expect(() => dimDivExact(10, 4)).toThrow(/not divisible/);
    expect(dimFloorDiv('2*L+2', 2)).toBe('L+1');
    const opaque = dimFloorDiv('L-1', 2);
    expect(opaque).toBe('{floor((L-1)/2)}');
    expect(dimSymbols(dimAdd(opaque, 1))).toEqual(['{floor((L-1)/2)}']);
    expect(dimEquals(dimAdd(opaque, 1), dimAdd(1, opaque))).toBe(true);
  });

  it('rejects malformed dims', () => {
    expect(() => normalizeDim(-1)).toThrow(/not a non-negative integer/);
    expect(() => normalizeDim(1.5)).toThrow(/not a non-negative integer/);
    expect(() => normalizeDim('B+')).toThrow(/ends early/);
    expect(() => normalizeDim('B$')).toThrow(/unexpected character/);
  });
});

describe('broadcastShapes', () => {
  it('follows numpy rules with symbolic dims', () => {
    expect(broadcastShapes(['B', 1, 4], ['T', 1], 'Add')).toEqual(['B', 'T', 4]);
    expect(broadcastShapes([], [2, 3], 'Mul')).toEqual([2, 3]);
  });

  it('names the op and both shapes when they do not broadcast', () => {
    expect(() => broadcastShapes([2, 3], [4], 'Add')).toThrow('Add: shapes [2, 3] and [4] do not broadcast (dim 3 vs 4 at axis -1)');
    expect(() => broadcastShapes(['T'], ['S'], 'Mul')).toThrow(/Mul: shapes \[T\] and \[S\]/);
  });
});

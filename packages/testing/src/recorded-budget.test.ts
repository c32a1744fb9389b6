import { describe, expect, it } from 'vitest';
import { RecordedBudget } from './recorded-budget.js';

describe('RecordedBudget', () => {
  it('keeps the newest entries, and measures only those it keeps when more arrive at once than it holds', () => {
    const budget = new RecordedBudget(3, 1_000_000);
    const list = ['a', 'b'];
    const measured: string[] = [];
    const sizeOf = (item: string) => (measured.push(item), item.length);
    budget.append(list, ['1', '2', '3', '4', '5', '6'], sizeOf);
    expect(list).toEqual(['4', '5', '6']);
    expect(measured).toEqual(['4', '5', '6']);
    expect(budget.bytesOf(list)).toBe(3);

    // Fewer than it holds: the oldest make room, as before.
    budget.append(list, ['77'], sizeOf);
    expect(list).toEqual(['5', '6', '77']);
    expect(budget.bytesOf(list)).toBe(4);
  });

  it('keeps within its bytes, the newest entry always staying', () => {
    const budget = new RecordedBudget(100, 10);
    const list: string[] = [];
    budget.append(list, ['aaaa', 'bbbb', 'cccc'], (item) => item.length);
    expect(list).toEqual(['bbbb', 'cccc']);
    budget.append(list, ['x'.repeat(50)], (item) => item.length);
    expect(list).toEqual(['x'.repeat(50)]);
  });
});

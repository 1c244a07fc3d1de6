/**
 * @jest-environment jsdom
 */
// quantity-stepper: properties flow down (value/min/max re-render it), events
// flow up (triggerEvent('change', {value})), and it never leaves [min, max].
import { flush, hasClass, loadComponent, mount, record, simulate, tap, text } from './load';

let stepperId: string;

/** The test parent's `this`: its data and setData. */
interface ParentInstance {
  data: { qty: number; max: number; received: number[] };
  setData(patch: Partial<ParentInstance['data']>): void;
}

beforeAll(() => {
  stepperId = loadComponent('quantity-stepper');
});

describe('quantity-stepper', () => {
  test('defaults to 0 in [0, 99] with minus disabled', () => {
    const comp = mount(stepperId);
    expect(text(comp, '.value')).toBe('0');
    expect(comp.data).toMatchObject({ value: 0, min: 0, max: 99 });
    expect(hasClass(comp, '.minus', 'disabled')).toBe(true);
    expect(hasClass(comp, '.plus', 'disabled')).toBe(false);
  });

  test('a property set by the parent re-renders the value', () => {
    const comp = mount(stepperId, { value: 2 });
    expect(text(comp, '.value')).toBe('2');
    comp.setData({ value: 7 });
    expect(text(comp, '.value')).toBe('7');
    expect(hasClass(comp, '.minus', 'disabled')).toBe(false);
  });

  test('+ and − emit change with the new value and show it', async () => {
    const comp = mount(stepperId, { value: 1, max: 5 });
    const changes = record<{ value: number }>(comp, 'change');

    tap(comp, '.plus');
    await flush();
    expect(changes).toEqual([{ value: 2 }]);
    expect(text(comp, '.value')).toBe('2');

    tap(comp, '.minus');
    await flush();
    tap(comp, '.minus');
    await flush();
    expect(changes).toEqual([{ value: 2 }, { value: 1 }, { value: 0 }]);
    expect(text(comp, '.value')).toBe('0');
  });

  test('cannot go below min: minus is disabled and a tap emits nothing', async () => {
    const comp = mount(stepperId, { value: 1, min: 1, max: 3 });
    const changes = record<{ value: number }>(comp, 'change');
    expect(hasClass(comp, '.minus', 'disabled')).toBe(true);

    tap(comp, '.minus');
    await flush();
    expect(changes).toEqual([]);
    expect(text(comp, '.value')).toBe('1');
  });

  test('cannot go above max: plus is disabled at max and a tap emits nothing', async () => {
    const comp = mount(stepperId, { value: 2, max: 3 });
    const changes = record<{ value: number }>(comp, 'change');

    tap(comp, '.plus');
    await flush();
    expect(changes).toEqual([{ value: 3 }]);
    expect(hasClass(comp, '.plus', 'disabled')).toBe(true);

    tap(comp, '.plus');
    await flush();
    tap(comp, '.plus');
    await flush();
    expect(changes).toEqual([{ value: 3 }]);
    expect(text(comp, '.value')).toBe('3');
  });

  test('shows a value clamped when max drops below it, without emitting for what the parent set', async () => {
    const comp = mount(stepperId, { value: 5, max: 10 });
    const changes = record<{ value: number }>(comp, 'change');

    comp.setData({ max: 2 }); // e.g. the stock fell to 2
    comp.setData({ value: 7 });
    await flush();
    expect(text(comp, '.value')).toBe('2');
    expect(changes).toEqual([]);
    expect(comp.data.value).toBe(7); // the property stays what the parent wrote
    expect(hasClass(comp, '.plus', 'disabled')).toBe(true);
  });

  test('never writes its own value property: a tap only emits', async () => {
    const comp = mount(stepperId, { value: 1, max: 5 });
    const changes = record<{ value: number }>(comp, 'change');
    tap(comp, '.plus');
    await flush();
    expect(changes).toEqual([{ value: 2 }]);
    expect(text(comp, '.value')).toBe('2');
    expect(comp.data.value).toBe(1);
  });

  test('clamps a value set below min up to min', () => {
    const comp = mount(stepperId, { value: 3, min: 1 });
    comp.setData({ value: -4 });
    expect(text(comp, '.value')).toBe('1');
    expect(hasClass(comp, '.minus', 'disabled')).toBe(true);
  });

  // The seed's part 3 with a real parent: its WXML passes its data down as
  // properties and listens with bind:change; the handler reads e.detail and
  // writes the value back, which flows down again.
  test('a parent binding value and bind:change stays in sync', async () => {
    const parentId = simulate.load({
      usingComponents: { 'quantity-stepper': stepperId },
      template: `<quantity-stepper class="qs" value="{{qty}}" max="{{max}}" bind:change="onChange" />
                 <view class="qty">{{qty}}</view>`,
      data: { qty: 1, max: 2, received: [] as number[] },
      methods: {
        onChange(this: ParentInstance, e: { detail: { value: number } }) {
          this.setData({ qty: e.detail.value, received: [...this.data.received, e.detail.value] });
        },
      },
    });
    const parent = mount(parentId);
    const stepper = parent.querySelector('.qs')!;

    tap(stepper, '.plus');
    await flush();
    expect(parent.data.received).toEqual([2]);
    expect(text(parent, '.qty')).toBe('2');

    tap(stepper, '.plus'); // at max: nothing goes up
    await flush();
    expect(parent.data.received).toEqual([2]);

    parent.setData({ max: 1 }); // a lower bound comes down: the child shows it clamped, and says nothing
    await flush();
    expect(text(stepper, '.value')).toBe('1');
    expect(parent.data.received).toEqual([2]);

    parent.setData({ max: 5, qty: 4 }); // the parent sets a value: no change comes back
    await flush();
    expect(text(stepper, '.value')).toBe('4');
    expect(parent.data.received).toEqual([2]);
  });
});

// quantity-stepper: a − / value / + control that never leaves [min, max].
//
// Parent → child: `value`, `min` and `max` are properties. The parent writes
//   <quantity-stepper value="{{qty}}" min="{{1}}" max="{{stock}}" bind:change="onQty" />
// and every time it setData()s one of them the `observers` entry below runs,
// clamps the value into range and recomputes which buttons are enabled.
// Child → parent: a tap computes the next value and calls
//   this.triggerEvent('change', { value })
// which the parent receives as `e.detail.value` in its bind:change handler.
// The stepper shows the new value at once, so it works whether or not the
// parent writes it back (when it does, the observer sees the same number and
// nothing else happens).
import { clampQuantity } from '../../utils/quantity';

/** Detail of the `change` event. */
export interface StepperChangeDetail {
  value: number;
}

Component({
  properties: {
    value: { type: Number, value: 0 },
    min: { type: Number, value: 0 },
    max: { type: Number, value: 99 },
  },

  data: {
    canDecrease: false,
    canIncrease: true,
  },

  observers: {
    // Runs when the parent changes any of the three properties (and when the
    // stepper itself setData()s `value`). If the new bounds exclude the value
    // (e.g. stock fell below the chosen quantity), clamp it and tell the
    // parent, so both sides agree on the number shown.
    'value, min, max': function (value: number, min: number, max: number) {
      const clamped = clampQuantity(value, min, max);
      if (clamped !== value) {
        this.setData({ value: clamped }); // runs this observer again with an in-range value
        const detail: StepperChangeDetail = { value: clamped };
        this.triggerEvent('change', detail);
        return;
      }
      this.setData({ canDecrease: value > min, canIncrease: value < max });
    },
  },

  methods: {
    onMinus() {
      this.step(-1);
    },
    onPlus() {
      this.step(1);
    },
    step(delta: number) {
      const { value, min, max } = this.data;
      const next = clampQuantity(value + delta, min, max);
      // At a bound the button looks disabled; a tap that still arrives does nothing.
      if (next === value) return;
      this.setData({ value: next });
      const detail: StepperChangeDetail = { value: next };
      this.triggerEvent('change', detail);
    },
  },
});

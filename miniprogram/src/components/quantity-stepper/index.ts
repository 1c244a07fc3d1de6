// quantity-stepper: a − / value / + control that never shows a value outside [min, max].
//
// Parent → child: `value`, `min` and `max` are properties, owned by the parent:
//   <quantity-stepper value="{{qty}}" min="{{1}}" max="{{stock}}" bind:change="onQty" />
// Whenever the parent setData()s one of them the observer below recomputes what is
// shown (`shown`: the value clamped into range) and which buttons are enabled. It
// never emits for them: a value the parent set is the parent's already, so telling it
// back would be an echo (and a loop, with a parent that writes every change back).
// Child → parent: a tap computes the next value from what is shown and calls
//   this.triggerEvent('change', { value })
// which the parent receives as `e.detail.value`. The stepper shows the new value at
// once (in its own data, never by writing its `value` property), so it responds even
// before the parent writes the value back; when the parent does, the observer sees
// the same number.
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
    shown: 0,
    canDecrease: false,
    canIncrease: true,
  },

  observers: {
    'value, min, max': function (value: number, min: number, max: number) {
      this.show(clampQuantity(value, min, max));
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
      const { shown, min, max } = this.data;
      const next = clampQuantity(shown + delta, min, max);
      // At a bound the button looks disabled; a tap that still arrives does nothing.
      if (next === shown) return;
      this.show(next);
      const detail: StepperChangeDetail = { value: next };
      this.triggerEvent('change', detail);
    },
    show(value: number) {
      const { min, max } = this.data;
      this.setData({ shown: value, canDecrease: value > min, canIncrease: value < max });
    },
  },
});

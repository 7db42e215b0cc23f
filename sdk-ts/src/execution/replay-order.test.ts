import { describe, expect, it } from "vitest";
import { createReplayOrder } from "./replay-order.js";

describe("createReplayOrder", () => {
  it("settles hits of one turn in memo order, not request order", async () => {
    const order = createReplayOrder();
    const settled: number[] = [];
    for (const index of [3, 0, 2]) order.enqueue(index, () => settled.push(index));
    expect(settled).toEqual([]);
    expect(order.busy()).toBe(true);
    await order.idle();
    expect(settled).toEqual([0, 2, 3]);
    expect(order.busy()).toBe(false);
  });

  it("lets the handler react between hits; a lower index requested meanwhile goes first", async () => {
    const order = createReplayOrder();
    const settled: number[] = [];
    order.enqueue(5, () => settled.push(5));
    order.enqueue(1, () => {
      settled.push(1);
      // The handler continues after hit 1 and reaches a step stored at index 2.
      queueMicrotask(() => order.enqueue(2, () => settled.push(2)));
    });
    await order.idle();
    expect(settled).toEqual([1, 2, 5]);
  });

  it("settles nothing after stop()", async () => {
    const order = createReplayOrder();
    const settled: number[] = [];
    order.enqueue(0, () => {
      settled.push(0);
      order.stop();
    });
    order.enqueue(1, () => settled.push(1));
    await order.idle();
    expect(settled).toEqual([0]);
    order.enqueue(2, () => settled.push(2));
    expect(order.busy()).toBe(false);
  });
});

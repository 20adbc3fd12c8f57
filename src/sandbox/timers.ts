/**
 * Every timeout the sandbox arms goes through one of these, so `reset()` and
 * `close()` can cancel all of them and jest exits without dangling handles.
 */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      fn();
    }, Math.max(0, ms));
    this.pending.add(handle);
    return handle;
  }

  /** Resolves after `ms`, or never if cleared first (callers must not rely on it). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  cancel(handle: NodeJS.Timeout | null | undefined): void {
    if (!handle) return;
    clearTimeout(handle);
    this.pending.delete(handle);
  }

  clearAll(): void {
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }
}

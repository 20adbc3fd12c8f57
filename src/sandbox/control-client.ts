import type { SandboxStats } from './core';
import type { ArmedFault, Fault } from './faults';
import type { SandboxSettings, SandboxSettingsPatch } from './settings';
import type { LipsyncPatch } from './store';

// Typed HTTP client for the /_sandbox/ control routes, for tests and tools. It speaks
// HTTP only (global fetch), so it works as well against a sandbox in another process.

export class SandboxControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    route: string,
  ) {
    super(`sandbox control ${route} answered ${status}: ${body}`);
    this.name = 'SandboxControlError';
  }
}

export class SandboxControl {
  private readonly base: string;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, '');
  }

  /** Fresh state (records, faults, counts, ledger, webhooks); settings back to start-up + patch. */
  reset(settings?: SandboxSettingsPatch): Promise<SandboxSettings> {
    return this.call('POST', '/_sandbox/reset', settings ?? {});
  }

  /** Merges a partial settings object; resolves to the full settings now in force. */
  settings(patch: SandboxSettingsPatch = {}): Promise<SandboxSettings> {
    return this.call('PATCH', '/_sandbox/settings', patch);
  }

  stats(): Promise<SandboxStats> {
    return this.call('GET', '/_sandbox/stats');
  }

  /** Adds credits to the balance, as a top-up bought on the account would; resolves to the balance now. */
  addCredits(add: number): Promise<{ remaining: number }> {
    return this.call('POST', '/_sandbox/credits', { add });
  }

  addFault(fault: Fault): Promise<ArmedFault> {
    return this.call('POST', '/_sandbox/faults', fault);
  }

  faults(): Promise<ArmedFault[]> {
    return this.call('GET', '/_sandbox/faults');
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/_sandbox/faults');
  }

  /** Hold, release, force a status/progress, or set the outcome of one lipsync. */
  setLipsync(id: string, patch: LipsyncPatch): Promise<Record<string, unknown>> {
    return this.call('PATCH', `/_sandbox/lipsyncs/${id}`, patch);
  }

  /** Deletes the lipsync, as a user could at Creatify while it is tracked. */
  async deleteLipsync(id: string): Promise<void> {
    await this.call('DELETE', `/_sandbox/lipsyncs/${id}`);
  }

  /** The record as the public API would serialize it. */
  lipsync(id: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/_sandbox/lipsyncs/${id}`);
  }

  private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await fetch(this.base + route, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new SandboxControlError(response.status, text, `${method} ${route}`);
    return JSON.parse(text) as T;
  }
}

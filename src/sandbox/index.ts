// A local, faithful Creatify lipsync v2 API over real HTTP (docs/sandbox-contract.md).
// Written from creatify-api.md alone: it imports nothing from src/creatify.

export { startSandbox, DEFAULT_CREDENTIALS } from './server';
export type { RunningSandbox, SandboxOptions } from './server';
export { SandboxControl, SandboxControlError } from './control-client';
export type { SandboxStats } from './core';
export type { Fault, ArmedFault } from './faults';
export type { RandomFaultSettings, WebhookSettings } from './settings-parts';
export type { LedgerEntry, Endpoint, PerLipsyncCalls, FaultRecord } from './ledger';
export type { LipsyncPatch } from './store';
export type { LipsyncStatus } from './record';
export type { SandboxSettings, SandboxSettingsPatch, Outcome } from './settings';
export { defaultSettings } from './settings';
export type { WebhookAttempt, DeliveryKind } from './webhooks';
export type { WebhookPayload } from './webhook-payload';
export { runSandboxCommand } from './main';

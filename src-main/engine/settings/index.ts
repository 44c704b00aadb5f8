// Engine settings (execution provider, threads) stored in the studio home, and the provider probe.
export { SettingsStore, DEFAULT_SETTINGS } from './settings-store.js';
export { SettingsService, HOME_HOW_TO_CHANGE, type SettingsServiceOptions } from './settings-service.js';
export { probeProviders, readableReason, type ProbeSession, type ProbeOutcome } from './provider-probe.js';

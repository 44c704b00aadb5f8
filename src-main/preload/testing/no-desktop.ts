import type { DesktopServices } from '../../../src-shared/bridge.js';

/** Desktop helpers for wire tests that never use them: every dialog is "cancelled". */
export const noDesktop: DesktopServices = {
  pathsForFiles: async () => [],
  chooseAudioFiles: async () => [],
  chooseFolder: async () => null,
  saveMedia: async () => null,
};

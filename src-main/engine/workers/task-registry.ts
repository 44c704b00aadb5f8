/**
 * Task name → the module (and export) a worker runs for it. The host asks for tasks by name only, so a
 * renderer-facing input can never make a worker import an arbitrary file.
 */
export interface TaskEntry {
  /** `file:` URL of the task module. */
  module: string;
  /** The exported `TaskFunction`; `run` by convention. */
  exportName: string;
  /**
   * Whether a task that ignores cancellation may have its thread terminated. False for anything that calls
   * onnxruntime: terminating a thread inside a native ORT call aborts the whole process.
   */
  terminable: boolean;
}

export type TaskRegistry = ReadonlyMap<string, TaskEntry>;

const productTasks: Record<string, TaskEntry> = {
  'media.ingest': { module: new URL('./tasks/media-ingest.ts', import.meta.url).href, exportName: 'run', terminable: true },
  // Runs onnxruntime: never terminated mid-call (that aborts the process); it stops at its next cancellation check.
  'generate.speech': { module: new URL('./tasks/generate-speech.ts', import.meta.url).href, exportName: 'run', terminable: false },
  // Trains the demo voice with onnxruntime: likewise never terminated; it checks for cancellation every step.
  'models.demoVoice': { module: new URL('./tasks/demo-voice.ts', import.meta.url).href, exportName: 'run', terminable: false },
};

const testTaskModule = new URL('./tasks/test-tasks.ts', import.meta.url).href;

/** Tasks for failure tests (slow, crashing, cancel-ignoring). Never registered unless asked for. */
const testTasks: Record<string, TaskEntry> = {
  'test.echo': { module: testTaskModule, exportName: 'echo', terminable: true },
  'test.slow': { module: testTaskModule, exportName: 'slow', terminable: true },
  'test.crash': { module: testTaskModule, exportName: 'crash', terminable: true },
  'test.fail': { module: testTaskModule, exportName: 'fail', terminable: true },
  'test.ignoreCancel': { module: testTaskModule, exportName: 'ignoreCancel', terminable: true },
  // Same body, registered like an ORT task: its thread must never be terminated.
  'test.ignoreCancelNative': { module: testTaskModule, exportName: 'ignoreCancel', terminable: false },
};

/** Set to "1" to register the test tasks in a host started outside the test suite (e2e failure scenarios). */
export const TEST_TASKS_ENV = 'VALLE_STUDIO_TEST_TASKS';

export function createTaskRegistry(options: { testTasks?: boolean } = {}): TaskRegistry {
  const withTests = options.testTasks ?? process.env[TEST_TASKS_ENV] === '1';
  return new Map(Object.entries(withTests ? { ...productTasks, ...testTasks } : productTasks));
}

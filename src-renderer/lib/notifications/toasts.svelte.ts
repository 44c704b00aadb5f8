import { InjectionToken } from '$lib/context.js';
import { isStudioError } from '$shared/api/errors.js';

export type ToastKind = 'error' | 'info' | 'success';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** What the user was doing, e.g. "Import take-03.wav". */
  context: string | null;
  /** StudioError code, for errors that crossed the API. */
  code: string | null;
}

const maxVisible = 6;
const infoLifetimeMs = 5000;

/** Transient messages. Errors stay until dismissed; information fades by itself. */
export class ToastService {
  toasts = $state<Toast[]>([]);
  #nextId = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  error(error: unknown, context: string | null = null): void {
    const message = messageOf(error);
    const code = codeOf(error);
    this.#push({ kind: 'error', message, context, code });
  }

  info(message: string, kind: 'info' | 'success' = 'info'): void {
    const id = this.#push({ kind, message, context: null, code: null });
    this.#timers.set(
      id,
      setTimeout(() => this.dismiss(id), infoLifetimeMs),
    );
  }

  dismiss(id: number): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(id);
    this.toasts = this.toasts.filter((toast) => toast.id !== id);
  }

  dismissAll(): void {
    for (const toast of this.toasts) this.dismiss(toast.id);
  }

  #push(toast: Omit<Toast, 'id'>): number {
    const id = this.#nextId++;
    const next = [...this.toasts, { ...toast, id }];
    // Keep the newest; the oldest drop off rather than covering the window.
    for (const dropped of next.slice(0, Math.max(0, next.length - maxVisible))) this.#clearTimer(dropped.id);
    this.toasts = next.slice(-maxVisible);
    return id;
  }

  #clearTimer(id: number): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(id);
  }
}

/** The StudioError code, also when the error lost its class crossing a bridge (Electron's contextBridge). */
export function codeOf(error: unknown): string | null {
  if (isStudioError(error)) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** A person-readable message for anything thrown: a StudioError's message, or a generic line. */
export function messageOf(error: unknown): string {
  if (isStudioError(error)) return error.message;
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  return 'Something went wrong.';
}

export const TOASTS = new InjectionToken<ToastService>('ToastService');

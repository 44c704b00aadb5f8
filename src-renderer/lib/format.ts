/** Formatting of numbers the UI shows; one place so every view says "1:02.5" the same way. */

/** Seconds as m:ss.s (or h:mm:ss for long spans). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds >= 3600) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = Math.floor(seconds % 60);
    return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  }
  const tenths = Math.round(seconds * 10);
  const m = Math.floor(tenths / 600);
  const s = (tenths % 600) / 10;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

/** 44100 → "44.1 kHz", 16000 → "16 kHz". */
export function formatSampleRate(hz: number): string {
  if (!Number.isFinite(hz) || hz <= 0) return '–';
  const khz = hz / 1000;
  return `${Number.isInteger(khz) ? khz.toFixed(0) : khz.toFixed(1)} kHz`;
}

/** Integrated loudness; null (too short to measure) shows as a dash. */
export function formatLufs(lufs: number | null): string {
  if (lufs === null || !Number.isFinite(lufs)) return '– LUFS';
  return `${lufs.toFixed(1)} LUFS`.replace('-', '−');
}

export function formatDb(db: number): string {
  if (!Number.isFinite(db)) return '−∞ dB';
  return `${db.toFixed(1)} dB`.replace('-', '−');
}

/** A time remaining, short: "12 s", "3 min", "1 h 05 min". */
export function formatEta(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return `${h} h ${String(m).padStart(2, '0')} min`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** An ISO time relative to `now`: "5 minutes ago", "yesterday". */
export function formatRelativeTime(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 26 * 86400) return relative.format(Math.round(seconds / 86400), 'day');
  return new Date(then).toLocaleDateString();
}

/** Up to two initials for an avatar: "Ada Lovelace" → "AL". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]?.[0], words[words.length - 1]?.[0]] : [words[0]?.[0], words[0]?.[1]];
  return letters.filter(Boolean).join('').toUpperCase();
}

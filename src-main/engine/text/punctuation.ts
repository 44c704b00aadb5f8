/**
 * phonemizer's punctuation "preserve" mode (Python phonemizer 3.x, `Punctuation.preserve` / `restore`), which
 * the reference enables: espeak drops punctuation, so the text is cut at runs of marks, the pieces are
 * phonemized separately and the marks (with their surrounding spaces) are put back between the results.
 * Reproduced step by step, including its quirks (a mark run is located by its first textual occurrence).
 */

/** phonemizer's default marks, the ones the reference keeps. Other symbols go to espeak (which ignores most). */
export const PRESERVED_MARKS = ';:,.!?¡¿—…"«»“”';

const escaped = PRESERVED_MARKS.replace(/[\\\]^-]/g, '\\$&');
/** Zero or more spaces + one or more marks + zero or more spaces, repeated (the Python pattern). */
const MARK_RUN = new RegExp(`(?:\\s*[${escaped}]+\\s*)+`, 'gu');

type MarkPosition = 'begin' | 'end' | 'inside' | 'alone';

export interface PreservedMark {
  mark: string;
  position: MarkPosition;
}

export interface PreservedText {
  /** Pieces to phonemize, empty ones already dropped (as phonemizer drops them). */
  chunks: string[];
  marks: PreservedMark[];
}

/** Split one line at its runs of punctuation marks. */
export function preservePunctuation(line: string): PreservedText {
  const matches = [...line.matchAll(MARK_RUN)].map((m) => m[0]);
  if (matches.length === 0) return { chunks: line === '' ? [] : [line], marks: [] };
  if (matches.length === 1 && matches[0] === line) return { chunks: [], marks: [{ mark: line, position: 'alone' }] };

  const marks = matches.map((mark, i): PreservedMark => {
    if (i === 0 && line.startsWith(mark)) return { mark, position: 'begin' };
    if (i === matches.length - 1 && line.endsWith(mark)) return { mark, position: 'end' };
    return { mark, position: 'inside' };
  });

  // Python: prefix, suffix = split[0], mark.join(split[1:]) — i.e. cut at the first occurrence of the run.
  const pieces: string[] = [];
  let rest = line;
  for (const { mark } of marks) {
    const at = rest.indexOf(mark);
    if (at < 0) {
      pieces.push(rest);
      rest = '';
    } else {
      pieces.push(rest.slice(0, at));
      rest = rest.slice(at + mark.length);
    }
  }
  pieces.push(rest);
  return { chunks: pieces.filter((p) => p !== ''), marks };
}

/**
 * Put the marks back between the phonemized chunks (word separator " ", strip on — the reference's settings).
 * Returns phonemizer's list of output lines; the reference keeps the first.
 */
export function restorePunctuation(phonemized: readonly string[], preserved: readonly PreservedMark[]): string[] {
  const text = [...phonemized];
  let marks = [...preserved];
  const out: string[] = [];
  // All marks of one input line carry index 0; `pos` counts completed output lines, as in Python.
  let pos = 0;
  while (text.length > 0 || marks.length > 0) {
    if (marks.length === 0) {
      out.push(...text);
      text.length = 0;
    } else if (text.length === 0) {
      // Nothing was phonemized: the marks alone.
      out.push(marks.map((m) => m.mark).join(''));
      marks = [];
    } else if (pos === 0) {
      const [current, ...remaining] = marks;
      marks = remaining;
      const mark = current.mark;
      if (text[0].endsWith(' ')) text[0] = text[0].slice(0, -1);
      if (current.position === 'begin') {
        text[0] = mark + text[0];
      } else if (current.position === 'end') {
        out.push(text[0] + mark);
        text.shift();
        pos += 1;
      } else if (current.position === 'alone') {
        out.push(mark);
        pos += 1;
      } else if (text.length === 1) {
        // The part after an inside mark produced nothing.
        text[0] = text[0] + mark;
      } else {
        const first = text.shift()!;
        text[0] = first + mark + text[0];
      }
    } else {
      out.push(text.shift()!);
      pos += 1;
    }
  }
  return out;
}

/**
 * Shapes with symbolic dimensions.
 *
 * A dimension is a non-negative integer or a string naming a size known only at run time ("B", "T").
 * Strings are small integer polynomials over symbols ("P+T", "2*B*T", "L-1"); a size that is not a
 * polynomial (a floor division) becomes an opaque atom in braces ("{floor((L-1)/2)}"). Expressions are
 * kept in one canonical spelling, so two dims are equal exactly when their strings are equal.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

/** monomial key (atoms sorted, joined by '*'; '' for the constant term) → integer coefficient */
type Poly = Map<string, number>;

const identRe = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ') {
      i++;
    } else if ('+-*()'.includes(c)) {
      tokens.push(c);
      i++;
    } else if (c === '{') {
      let depth = 0;
      let j = i;
      for (; j < text.length; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      if (j >= text.length) throw new Error(`dimension "${text}": unbalanced braces`);
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      const m = /^[0-9]+|^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
      if (!m) throw new Error(`dimension "${text}": unexpected character "${c}"`);
      tokens.push(m[0]);
      i += m[0].length;
    }
  }
  return tokens;
}

function polyConst(n: number): Poly {
  return new Map(n === 0 ? [] : [['', n]]);
}

function polyAtom(atom: string): Poly {
  return new Map([[atom, 1]]);
}

function polyAdd(a: Poly, b: Poly, sign = 1): Poly {
  const out = new Map(a);
  for (const [k, v] of b) {
    const sum = (out.get(k) ?? 0) + sign * v;
    if (sum === 0) out.delete(k);
    else out.set(k, sum);
  }
  return out;
}

function joinAtoms(a: string, b: string): string {
  const atoms = [...(a ? a.split('\u0000') : []), ...(b ? b.split('\u0000') : [])].sort();
  return atoms.join('\u0000');
}

function polyMul(a: Poly, b: Poly): Poly {
  let out: Poly = new Map();
  for (const [ka, va] of a) {
    for (const [kb, vb] of b) out = polyAdd(out, new Map([[joinAtoms(ka, kb), va * vb]]));
  }
  return out;
}

function parsePoly(text: string): Poly {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  function expr(): Poly {
    let sign = 1;
    if (peek() === '-') {
      sign = -1;
      pos++;
    }
    let acc = polyAdd(new Map(), term(), sign);
    while (peek() === '+' || peek() === '-') {
      const op = tokens[pos++];
      acc = polyAdd(acc, term(), op === '+' ? 1 : -1);
    }
    return acc;
  }
  function term(): Poly {
    let acc = factor();
    while (peek() === '*') {
      pos++;
      acc = polyMul(acc, factor());
    }
    return acc;
  }
  function factor(): Poly {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`dimension "${text}": ends early`);
    if (t === '(') {
      const inner = expr();
      if (tokens[pos++] !== ')') throw new Error(`dimension "${text}": missing ")"`);
      return inner;
    }
    if (/^[0-9]+$/.test(t)) return polyConst(Number(t));
    if (identRe.test(t) || t.startsWith('{')) return polyAtom(t);
    throw new Error(`dimension "${text}": unexpected "${t}"`);
  }
  const result = expr();
  if (pos !== tokens.length) throw new Error(`dimension "${text}": unexpected "${tokens[pos]}"`);
  return result;
}

function polyToDim(p: Poly): Dim {
  const keys = [...p.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return 0;
  if (keys.length === 1 && keys[0] === '') return p.get('')!;
  let text = '';
  for (const k of keys) {
    const c = p.get(k)!;
    const atoms = k === '' ? [] : k.split('\u0000');
    const mag = Math.abs(c);
    const body = atoms.length === 0 ? String(mag) : mag === 1 ? atoms.join('*') : `${mag}*${atoms.join('*')}`;
    text += text === '' ? (c < 0 ? `-${body}` : body) : c < 0 ? `-${body}` : `+${body}`;
  }
  return text;
}

function toPoly(d: Dim): Poly {
  return typeof d === 'number' ? polyConst(d) : parsePoly(d);
}

/** Canonical spelling of a dim; throws on a malformed string or a negative / fractional number. */
export function normalizeDim(d: Dim): Dim {
  if (typeof d === 'number') {
    if (!Number.isInteger(d) || d < 0) throw new Error(`dimension ${d} is not a non-negative integer`);
    return d;
  }
  return polyToDim(parsePoly(d));
}

export function isStatic(d: Dim): d is number {
  return typeof d === 'number';
}

export function isStaticShape(s: Shape): s is readonly number[] {
  return s.every((d) => typeof d === 'number');
}

export function dimEquals(a: Dim, b: Dim): boolean {
  return normalizeDim(a) === normalizeDim(b);
}

export function dimAdd(a: Dim, b: Dim): Dim {
  return polyToDim(polyAdd(toPoly(a), toPoly(b)));
}

export function dimSub(a: Dim, b: Dim): Dim {
  return polyToDim(polyAdd(toPoly(a), toPoly(b), -1));
}

export function dimMul(a: Dim, b: Dim): Dim {
  return polyToDim(polyMul(toPoly(a), toPoly(b)));
}

export function shapeProduct(s: Shape): Dim {
  let acc: Dim = 1;
  for (const d of s) acc = dimMul(acc, d);
  return acc;
}

/** floor(a / n) for a positive integer n; exact when every coefficient divides, else an opaque atom. */
export function dimFloorDiv(a: Dim, n: number): Dim {
  if (typeof a === 'number') return Math.floor(a / n);
  const p = toPoly(a);
  if ([...p.values()].every((c) => c % n === 0)) {
    return polyToDim(new Map([...p].map(([k, v]) => [k, v / n])));
  }
  return `{floor((${a})/${n})}`;
}

/**
 * a / b where the caller knows the division is exact (reshape's inferred -1). Exact symbolic division is
 * done when b is a single term that divides every term of a; otherwise the result is an opaque atom.
 */
export function dimDivExact(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0 || a % b !== 0) throw new Error(`${a} is not divisible by ${b}`);
    return a / b;
  }
  const pa = toPoly(a);
  const pb = toPoly(b);
  if (pb.size === 1) {
    const [[kb, cb]] = [...pb];
    const atomsB = kb === '' ? [] : kb.split('\u0000');
    const out: Poly = new Map();
    let ok = true;
    for (const [ka, ca] of pa) {
      const atomsA = ka === '' ? [] : ka.split('\u0000');
      for (const atom of atomsB) {
        const i = atomsA.indexOf(atom);
        if (i < 0) {
          ok = false;
          break;
        }
        atomsA.splice(i, 1);
      }
      if (!ok || ca % cb !== 0) {
        ok = false;
        break;
      }
      out.set(atomsA.join('\u0000'), ca / cb);
    }
    if (ok) return polyToDim(out);
  }
  return `{(${normalizeDim(a)})/(${normalizeDim(b)})}`;
}

/** The symbols (identifiers and opaque atoms) a dim mentions. */
export function dimSymbols(d: Dim): string[] {
  if (typeof d === 'number') return [];
  const out = new Set<string>();
  for (const k of toPoly(d).keys()) for (const atom of k ? k.split('\u0000') : []) out.add(atom);
  return [...out];
}

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimEquals(d, b[i]));
}

/** Numpy broadcasting of two shapes; `what` names the op in the error. */
export function broadcastShapes(a: Shape, b: Shape, what: string): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (dimEquals(da, db)) out.push(da);
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else {
      throw new Error(
        `${what}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dim ${da} vs ${db} at axis ${i - rank})`,
      );
    }
  }
  return out;
}

/** Normalizes a possibly negative axis against `rank`; the error names the op. */
export function normalizeAxis(axis: number, rank: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${what}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The reference's phoneme tokenizer: a Hugging Face `tokenizers` JSON file holding a BPE model over Unicode
 * code points (no normalizer, no pre-tokenizer), a few added special tokens and a TemplateProcessing
 * post-processor (`<bos> $A <eos>`). Encoding reproduces `Tokenizer.encode` of HF tokenizers for files of that
 * shape (seed spec §2.3); decoding follows the spec's port recommendation (§2.4, A.6): concatenate one fixed
 * string per id and skip special tokens.
 *
 * Written here rather than taken from `@huggingface/tokenizers` because the algorithm is small, the file shape
 * is fixed, and HF's id → string map for aliased ids is a hash-map accident (see `tokens` below).
 */

/** The copy shipped with the app (resources/tokenizer.json, identical to the reference's data/tokenizer.json). */
export function defaultTokenizerPath(): string {
  return fileURLToPath(new URL('../../../resources/tokenizer.json', import.meta.url));
}

export interface Encoding {
  ids: number[];
  /**
   * One string per id. For ids that several vocab strings share (aliases such as `ä`/`a`), this is the id's
   * canonical string (the first one listed in the file). HF tokenizers picks one of them by Rust hash-map
   * iteration order, which changes from process to process, so its `tokens` for aliased ids are not
   * reproducible by anyone; ids always are.
   */
  tokens: string[];
}

export interface EncodeOptions {
  /** Apply the post-processor template (`<bos> … <eos>`), as `encode()` does by default. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (`<unk>`, `<bos>`, `</eos>`, `<mask>`); default true, as the port recommendation says. */
  skipSpecialTokens?: boolean;
}

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

interface TemplatePiece {
  kind: 'sequence' | 'special';
  /** Template special tokens carry their own ids and strings (the file declares `<eos>` → 2 although id 2's vocab string is `</eos>`). */
  ids: number[];
  tokens: string[];
}

export class TokenizerFileError extends Error {
  constructor(message: string) {
    super(`tokenizer.json: ${message}`);
    this.name = 'TokenizerFileError';
  }
}

export class PhonemeTokenizer {
  /** Every vocab string (aliases included) → id; what `get_vocab()` returns (265 entries for the reference file). */
  readonly vocab: ReadonlyMap<string, number>;
  readonly unkId: number;
  /** Ids of added tokens marked special (skipped by `decode`). */
  readonly specialIds: ReadonlySet<number>;
  private readonly canonical: Map<number, string>;
  /** Merge of the id pair `a,b` → [rank, merged id]. */
  private readonly merges: Map<string, [number, number]>;
  private readonly added: AddedToken[];
  private readonly template: TemplatePiece[] | null;

  private constructor(json: unknown, keyOrder: string[] | null) {
    const file = asRecord(json, 'the file');
    const model = asRecord(file.model, 'model');
    if (model.type !== 'BPE') throw new TokenizerFileError(`model.type is ${JSON.stringify(model.type)}; only BPE is supported`);
    for (const key of ['normalizer', 'pre_tokenizer'] as const) {
      if (file[key] != null) throw new TokenizerFileError(`${key} is set; this tokenizer supports files without one (the reference has none)`);
    }
    if (model.byte_fallback === true) throw new TokenizerFileError('model.byte_fallback is not supported');
    if (model.dropout != null) throw new TokenizerFileError('model.dropout is not supported (encoding would be random)');
    if (model.continuing_subword_prefix != null || model.end_of_word_suffix != null) {
      throw new TokenizerFileError('continuing_subword_prefix / end_of_word_suffix are not supported');
    }
    if (model.fuse_unk === true) throw new TokenizerFileError('model.fuse_unk is not supported');

    const rawVocab = asRecord(model.vocab, 'model.vocab');
    const vocab = new Map<string, number>();
    for (const [token, id] of Object.entries(rawVocab)) {
      if (!Number.isInteger(id) || (id as number) < 0) throw new TokenizerFileError(`model.vocab[${JSON.stringify(token)}] is not a non-negative integer`);
      vocab.set(token, id as number);
    }
    // Canonical string of an id = the first one listed in the file. Object key order is not file order for
    // integer-like keys ("1"), so the loader passes the textual order when it has the text.
    this.canonical = new Map();
    for (const token of keyOrder ?? Object.keys(rawVocab)) {
      const id = vocab.get(token);
      if (id !== undefined && !this.canonical.has(id)) this.canonical.set(id, token);
    }

    this.added = [];
    const specialIds = new Set<number>();
    for (const [i, entry] of (Array.isArray(file.added_tokens) ? file.added_tokens : []).entries()) {
      const t = asRecord(entry, `added_tokens[${i}]`);
      if (typeof t.content !== 'string' || !Number.isInteger(t.id)) throw new TokenizerFileError(`added_tokens[${i}] needs an integer id and a string content`);
      const token: AddedToken = { id: t.id as number, content: t.content, special: t.special === true };
      this.added.push(token);
      if (token.special) specialIds.add(token.id);
      if (!this.canonical.has(token.id)) this.canonical.set(token.id, token.content);
    }
    // Longest first, so that matching at a position takes the longest added token (HF: leftmost-longest).
    this.added.sort((a, b) => b.content.length - a.content.length);

    const unk = model.unk_token;
    if (typeof unk !== 'string' || !vocab.has(unk)) throw new TokenizerFileError('model.unk_token must name a vocab entry');
    this.unkId = vocab.get(unk)!;

    this.merges = new Map();
    const rawMerges = Array.isArray(model.merges) ? model.merges : [];
    rawMerges.forEach((merge: unknown, rank: number) => {
      const parts = parseMerge(merge);
      if (!parts) throw new TokenizerFileError(`model.merges[${rank}] is not a pair`);
      const [a, b] = parts;
      const aId = vocab.get(a);
      const bId = vocab.get(b);
      const mergedId = vocab.get(a + b);
      if (aId === undefined || bId === undefined || mergedId === undefined) {
        throw new TokenizerFileError(`model.merges[${rank}] (${JSON.stringify(a)} + ${JSON.stringify(b)}) uses or makes a string missing from the vocab`);
      }
      // HF collects merges into a map keyed by the id pair: a later duplicate replaces an earlier one.
      this.merges.set(pairKey(aId, bId), [rank, mergedId]);
    });

    this.template = parseTemplate(file.post_processor);
    this.vocab = vocab;
    this.specialIds = specialIds;
  }

  /** Load a tokenizer.json (default: the copy shipped in resources/). */
  static fromFile(path: string = defaultTokenizerPath()): PhonemeTokenizer {
    return PhonemeTokenizer.fromJsonText(readFileSync(path, 'utf8'));
  }

  static fromJsonText(text: string): PhonemeTokenizer {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new TokenizerFileError(`not valid JSON (${(error as Error).message})`);
    }
    return new PhonemeTokenizer(json, vocabKeyOrder(text));
  }

  /** From an already parsed object; aliases whose canonical string is integer-like may then resolve differently. */
  static fromJson(json: unknown): PhonemeTokenizer {
    return new PhonemeTokenizer(json, null);
  }

  get bosId(): number {
    return this.templateSpecialIds()[0] ?? 1;
  }

  get eosId(): number {
    return this.templateSpecialIds().at(-1) ?? 2;
  }

  /** Number of distinct ids (256 for the reference file); the text embedding has this many rows. */
  get idCount(): number {
    return new Set(this.vocab.values()).size;
  }

  /** The canonical string of an id, or undefined when no vocab string has it. */
  idToToken(id: number): string | undefined {
    return this.canonical.get(id);
  }

  encode(text: string, options: EncodeOptions = {}): Encoding {
    const ids: number[] = [];
    for (const segment of this.splitOnAddedTokens(text)) {
      if (typeof segment === 'number') ids.push(segment);
      else ids.push(...this.bpe(segment));
    }
    const addSpecial = options.addSpecialTokens ?? true;
    if (!addSpecial || this.template === null) return { ids, tokens: ids.map((id) => this.tokenOf(id)) };

    const out: Encoding = { ids: [], tokens: [] };
    for (const piece of this.template) {
      if (piece.kind === 'sequence') {
        out.ids.push(...ids);
        out.tokens.push(...ids.map((id) => this.tokenOf(id)));
      } else {
        out.ids.push(...piece.ids);
        out.tokens.push(...piece.tokens);
      }
    }
    return out;
  }

  /**
   * Ids → IPA text (STT output): the canonical strings concatenated, special tokens skipped. Differs from the
   * reference's `tokenizer.decode` + space clean-up only where that one is defective (spec §2.4, A.6): it keeps
   * a space before `. , ? !`, keeps double spaces, and decodes aliased ids deterministically.
   */
  decode(ids: Iterable<number>, options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? true;
    let text = '';
    for (const id of ids) {
      const token = this.canonical.get(id);
      if (token === undefined) throw new RangeError(`token id ${id} is not in the tokenizer's vocabulary (ids 0..${Math.max(...this.canonical.keys())})`);
      if (skip && this.specialIds.has(id)) continue;
      text += token;
    }
    return text;
  }

  private tokenOf(id: number): string {
    return this.canonical.get(id) ?? '';
  }

  private templateSpecialIds(): number[] {
    return (this.template ?? []).filter((p) => p.kind === 'special').flatMap((p) => p.ids);
  }

  /** Added tokens are matched in the raw text before BPE, so a literal `<bos>` in the input becomes id 1. */
  private splitOnAddedTokens(text: string): Array<string | number> {
    if (this.added.length === 0) return text === '' ? [] : [text];
    const out: Array<string | number> = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      const hit = this.added.find((t) => t.content !== '' && text.startsWith(t.content, i));
      if (!hit) {
        i += 1;
        continue;
      }
      if (i > start) out.push(text.slice(start, i));
      out.push(hit.id);
      i += hit.content.length;
      start = i;
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }

  /**
   * The whole segment is one BPE word: one id per code point (unknown → unk, one each), then merges by rank,
   * lowest rank first and leftmost among equal ranks — what HF's priority queue does.
   */
  private bpe(word: string): number[] {
    const symbols = Array.from(word, (ch) => this.vocab.get(ch) ?? this.unkId);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      let bestId = 0;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const merge = this.merges.get(pairKey(symbols[i], symbols[i + 1]));
        if (merge && merge[0] < bestRank) {
          bestRank = merge[0];
          bestId = merge[1];
          best = i;
        }
      }
      if (best < 0) return symbols;
      symbols.splice(best, 2, bestId);
    }
  }
}

function pairKey(a: number, b: number): string {
  return `${a},${b}`;
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenizerFileError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** Merges are either "a b" strings (split at the first space, as HF's legacy format) or [a, b] pairs. */
function parseMerge(merge: unknown): [string, string] | null {
  if (Array.isArray(merge) && merge.length === 2 && merge.every((p) => typeof p === 'string')) return [merge[0], merge[1]];
  if (typeof merge !== 'string') return null;
  const space = merge.indexOf(' ');
  if (space <= 0 || space === merge.length - 1) return null;
  return [merge.slice(0, space), merge.slice(space + 1)];
}

function parseTemplate(postProcessor: unknown): TemplatePiece[] | null {
  if (postProcessor == null) return null;
  const pp = asRecord(postProcessor, 'post_processor');
  if (pp.type !== 'TemplateProcessing') throw new TokenizerFileError(`post_processor.type ${JSON.stringify(pp.type)} is not supported (only TemplateProcessing)`);
  const specials = asRecord(pp.special_tokens ?? {}, 'post_processor.special_tokens');
  if (!Array.isArray(pp.single)) throw new TokenizerFileError('post_processor.single must be a list');
  return pp.single.map((raw: unknown, i: number): TemplatePiece => {
    const piece = asRecord(raw, `post_processor.single[${i}]`);
    if ('Sequence' in piece) {
      const id = asRecord(piece.Sequence, `post_processor.single[${i}].Sequence`).id;
      if (id !== 'A') throw new TokenizerFileError(`post_processor.single[${i}] refers to sequence ${String(id)}; only $A exists for one input`);
      return { kind: 'sequence', ids: [], tokens: [] };
    }
    const name = asRecord(piece.SpecialToken, `post_processor.single[${i}].SpecialToken`).id;
    const special = typeof name === 'string' ? specials[name] : undefined;
    if (special === undefined) throw new TokenizerFileError(`post_processor.single[${i}] names special token ${String(name)}, which special_tokens does not declare`);
    const s = asRecord(special, `post_processor.special_tokens[${String(name)}]`);
    const ids = s.ids;
    const tokens = s.tokens;
    if (!Array.isArray(ids) || !Array.isArray(tokens) || ids.length !== tokens.length || !ids.every(Number.isInteger)) {
      throw new TokenizerFileError(`post_processor.special_tokens[${String(name)}] needs matching ids and tokens lists`);
    }
    return { kind: 'special', ids: ids as number[], tokens: tokens.map(String) };
  });
}

/**
 * The keys of `model.vocab` in the order the file lists them. JSON.parse cannot tell (integer-like keys are
 * enumerated first), so this walks the object's text; each key literal is decoded with JSON.parse.
 */
function vocabKeyOrder(text: string): string[] | null {
  const model = text.indexOf('"model"');
  const at = model < 0 ? -1 : text.indexOf('"vocab"', model);
  if (at < 0) return null;
  let i = text.indexOf('{', at);
  if (i < 0) return null;
  const keys: string[] = [];
  const stringLiteral = /"(?:[^"\\]|\\.)*"/y;
  for (i += 1; i < text.length; ) {
    const ch = text[i];
    if (ch === '}') return keys;
    if (ch === '"') {
      stringLiteral.lastIndex = i;
      const m = stringLiteral.exec(text);
      if (!m) return null;
      keys.push(JSON.parse(m[0]) as string);
      i = stringLiteral.lastIndex;
      // Skip ": value" up to the next comma or the closing brace (values are integers).
      while (i < text.length && text[i] !== ',' && text[i] !== '}') i++;
      continue;
    }
    i++;
  }
  return null;
}

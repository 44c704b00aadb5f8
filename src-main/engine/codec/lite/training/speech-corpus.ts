/**
 * The speech the lite codec's tables are built from and evaluated on, generated on the spot by Debian's
 * speech synthesisers: espeak-ng (many languages × voice variants, speed and pitch varied) and festival
 * (diphone and HTS voices made from recordings). Training and held-out voices never overlap; held-out clips
 * also use sentences no training clip speaks.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeAudioFile } from '../../../media/decode.js';
import { mulberry32 } from '../../../nn/index.js';
import { mixdownToMono } from '../../../media/mixdown.js';
import { resample } from '../../../media/resample.js';
import { LITE_SAMPLE_RATE } from '../layout.js';
import { heldOutSentences, trainingSentences } from './sentences.js';

const run = promisify(execFile);

/** espeak-ng voice variants (`-v lang+variant`) used for training. Robotic and whisper variants are left out. */
export const ESPEAK_TRAIN_VARIANTS = [
  'm1', 'm2', 'm4', 'm5', 'm7', 'm8', 'f1', 'f2', 'f3', 'f5', 'klatt', 'klatt2', 'klatt4', 'klatt6',
  'Andy', 'Annie', 'Alex', 'aunty', 'benjamin', 'boris', 'caleb', 'david', 'Denis', 'ed', 'edward', 'Gene',
  'gustave', 'Henrique', 'Hugo', 'iven', 'iven2', 'Jacky', 'john', 'linda', 'marcelo', 'Mario', 'max',
  'Michael', 'michel', 'miguel', 'Mike', 'pablo', 'paul', 'pedro', 'quincy', 'rob', 'robert', 'steph',
  'steph3', 'travis', 'victor', 'zac', 'shelby', 'sandro', 'norbert', 'grandpa', 'grandma', 'belinda', 'adam',
  'antonio',
] as const;

/** Variants never used for training: the evaluation (and the quality test) speak with these. */
export const ESPEAK_HELD_OUT_VARIANTS = ['m3', 'm6', 'f4', 'klatt3', 'klatt5', 'anika', 'Lee', 'Alicia', 'Andrea', 'Diogo', 'edward2', 'iven3', 'steph2'] as const;

/** espeak-ng language voice for each sentence language, and the accents English is also spoken in. */
export const ESPEAK_LANGUAGES: Record<string, readonly string[]> = {
  en: ['en-us', 'en-gb', 'en-gb-scotland', 'en-029', 'en-gb-x-rp', 'en-us-nyc'],
  de: ['de'],
  fr: ['fr-fr'],
  es: ['es'],
  it: ['it'],
  pt: ['pt'],
  nl: ['nl'],
  fi: ['fi'],
  pl: ['pl'],
  sv: ['sv'],
};

export interface FestivalVoice {
  /** Scheme function that selects the voice. */
  voice: string;
  language: string;
}

export const FESTIVAL_TRAIN_VOICES: readonly FestivalVoice[] = [
  { voice: 'voice_kal_diphone', language: 'en' },
  { voice: 'voice_cmu_us_slt_arctic_hts', language: 'en' },
  { voice: 'voice_pc_diphone', language: 'it' },
  { voice: 'voice_hy_fi_mv_diphone', language: 'fi' },
  { voice: 'voice_suo_fi_lj_diphone', language: 'fi' },
];

export const FESTIVAL_HELD_OUT_VOICES: readonly FestivalVoice[] = [
  { voice: 'voice_ked_diphone', language: 'en' },
  { voice: 'voice_lp_diphone', language: 'it' },
];

/** Debian packages providing the festival voices above. */
export const FESTIVAL_PACKAGES = [
  'festival',
  'festvox-kallpc16k',
  'festvox-kdlpc16k',
  'festvox-us-slt-hts',
  'festvox-italp16k',
  'festvox-itapc16k',
  'festvox-suopuhe-lj',
  'festvox-suopuhe-mv',
];

export type Synthesizer = { kind: 'espeak'; voice: string; speed: number; pitch: number } | { kind: 'festival'; voice: string; stretch: number };

export interface Utterance {
  /** Stable identifier (also the cache file name). */
  id: string;
  text: string;
  language: string;
  synth: Synthesizer;
}

export interface CorpusPlan {
  espeakClips: number;
  festivalClips: number;
  seed: number;
}

/** The training utterances: languages weighted towards English, every variant used, speed and pitch varied. */
export function trainingUtterances(plan: CorpusPlan, options: { festival: boolean }): Utterance[] {
  // Seeded so the corpus is the same on every run.
  const rnd = mulberry32(plan.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
  const languages = Object.keys(ESPEAK_LANGUAGES);
  const out: Utterance[] = [];
  for (let i = 0; i < plan.espeakClips; i++) {
    const language = rnd() < 0.55 ? 'en' : pick(languages);
    const variant = ESPEAK_TRAIN_VARIANTS[i % ESPEAK_TRAIN_VARIANTS.length];
    const voice = `${pick(ESPEAK_LANGUAGES[language])}+${variant}`;
    const text = pick(trainingSentences(language));
    const speed = 120 + Math.round(rnd() * 80);
    const pitch = 25 + Math.round(rnd() * 50);
    out.push({ id: `espeak-${i}`, text, language, synth: { kind: 'espeak', voice, speed, pitch } });
  }
  if (options.festival) {
    for (let i = 0; i < plan.festivalClips; i++) {
      const v = FESTIVAL_TRAIN_VOICES[i % FESTIVAL_TRAIN_VOICES.length];
      const text = pick(trainingSentences(v.language));
      const stretch = 0.85 + Math.round(rnd() * 35) / 100;
      out.push({ id: `festival-${i}`, text, language: v.language, synth: { kind: 'festival', voice: v.voice, stretch } });
    }
  }
  return out;
}

/** The held-out evaluation set: every held-out voice, held-out sentences only. */
export function heldOutUtterances(options: { festival: boolean }): Utterance[] {
  const out: Utterance[] = [];
  const langs = ['en', 'en', 'de', 'fr', 'es', 'en', 'it', 'en', 'nl', 'en', 'pl', 'en', 'sv'];
  ESPEAK_HELD_OUT_VARIANTS.forEach((variant, i) => {
    const language = langs[i % langs.length];
    const sentences = heldOutSentences(language);
    for (let k = 0; k < 2; k++) {
      const text = sentences[(i + k) % sentences.length];
      const accent = ESPEAK_LANGUAGES[language][(i + k) % ESPEAK_LANGUAGES[language].length];
      out.push({ id: `heldout-espeak-${variant}-${k}`, text, language, synth: { kind: 'espeak', voice: `${accent}+${variant}`, speed: 150 + 15 * k, pitch: 40 + 10 * k } });
    }
  });
  if (options.festival) {
    for (const v of FESTIVAL_HELD_OUT_VOICES) {
      heldOutSentences(v.language).forEach((text, k) => {
        out.push({ id: `heldout-${v.voice}-${k}`, text, language: v.language, synth: { kind: 'festival', voice: v.voice, stretch: 1 } });
      });
    }
  }
  return out;
}

/**
 * The clip the codec quality test round-trips (docs/codecs.md documents its numbers): a held-out espeak-ng
 * voice speaking held-out sentences, so it needs nothing but espeak-ng.
 */
export const REGRESSION_UTTERANCE: Utterance = {
  id: 'regression',
  text: `${heldOutSentences('en')[0]} ${heldOutSentences('en')[1]}`,
  language: 'en',
  synth: { kind: 'espeak', voice: 'en-us+f4', speed: 160, pitch: 50 },
};

export async function hasEspeak(): Promise<boolean> {
  return commandWorks('espeak-ng', ['--version']);
}

export async function hasFestival(): Promise<boolean> {
  return (await commandWorks('festival', ['--version'])) && (await commandWorks('sh', ['-c', 'command -v text2wave']));
}

async function commandWorks(cmd: string, args: string[]): Promise<boolean> {
  try {
    await run(cmd, args, { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Speaks an utterance and returns it as 24 kHz mono samples. */
export async function synthesize(utt: Utterance): Promise<Float32Array> {
  const dir = await mkdtemp(join(tmpdir(), 'valle-lite-corpus-'));
  try {
    const wav = join(dir, 'out.wav');
    if (utt.synth.kind === 'espeak') {
      const s = utt.synth;
      await run('espeak-ng', ['-v', s.voice, '-s', String(s.speed), '-p', String(s.pitch), '-w', wav, utt.text], { timeout: 60_000 });
    } else {
      const s = utt.synth;
      const txt = join(dir, 'in.txt');
      // Festival's lexicons read ISO-8859-1.
      await writeFile(txt, Buffer.from(utt.text.replace(/[’]/g, "'"), 'latin1'));
      await run('text2wave', ['-eval', `(${s.voice})`, '-eval', `(Parameter.set 'Duration_Stretch ${s.stretch})`, txt, '-o', wav], { timeout: 120_000 });
    }
    return await loadAs24kMono(wav);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Any audio file the studio decodes, as 24 kHz mono (for user-supplied corpus folders). */
export async function loadAs24kMono(path: string): Promise<Float32Array> {
  const { pcm } = await decodeAudioFile(path, path);
  const mono = mixdownToMono(pcm);
  const at = mono.sampleRate === LITE_SAMPLE_RATE ? mono : await resample(mono, LITE_SAMPLE_RATE);
  return at.channels[0];
}

/** espeak-ng's and festival's version lines, recorded in the tables' metadata. */
export async function synthesizerVersions(): Promise<string> {
  const parts: string[] = [];
  try {
    parts.push((await run('espeak-ng', ['--version'])).stdout.trim().split('\n')[0]);
  } catch {
    parts.push('espeak-ng: missing');
  }
  try {
    const { stdout } = await run('festival', ['--version']);
    parts.push(stdout.trim().split('\n')[0]);
  } catch {
    parts.push('festival: missing');
  }
  return parts.join('; ');
}

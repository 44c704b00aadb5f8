/**
 * The lite codec's source-filter synthesiser (in the manner of WORLD's synthesis): feature frames in,
 * 24 kHz samples out, one frame at a time.
 *
 * - Voiced: a phase accumulator driven by F0 (log-interpolated per sample between frame centres) fires a
 *   pulse at each period; each pulse adds the minimum-phase response of the envelope × (1 − A), interpolated
 *   at the pulse time, delayed by the pulse's fractional position and scaled by √T0 (so the pulse train's
 *   power per sample equals the envelope's).
 * - Noise: every GRAIN samples a grain of white noise (variance 1) is filtered by the minimum-phase response
 *   of envelope × A (A = 1 in unvoiced frames) and added; the grains tile the time line, so the noise is one
 *   continuous signal filtered by a slowly changing filter.
 *
 * Responses are causal, so once frame t is known every event before frame t's centre can be placed and
 * every sample before it is final. The state carried between frames is the phase, the noise generator, the
 * grain clock and the not-yet-final tail of the output: pushing frames in any chunking produces exactly the
 * same samples as pushing them all at once.
 */
import { Fft } from '../dsp/fft.js';
import { MelCepstrum } from '../dsp/mel-cepstrum.js';
import { minimumPhaseSpectrum } from '../dsp/minimum-phase.js';
import { F0_MAX_HZ, featureIndex, frameCenter, LITE_HOP, LITE_SAMPLE_RATE, type LiteLayout } from './layout.js';

const N = 1024;
const BINS = N / 2 + 1;
const GRAIN = 120;
/** Speech has no DC: responses are rolled off below this frequency (raised cosine). */
const LOW_CUT_HZ = 70;
const MIN_SHARE = 1e-4;
/** Synthesis F0 bounds (Hz): the dequantised value is clamped here. */
const SYNTH_F0_MIN = 30;
const SYNTH_F0_MAX = F0_MAX_HZ * 1.6;

interface PreparedFrame {
  logAmp: Float64Array;
  ap: Float64Array;
  lf0: number;
  voiced: boolean;
}

export class LiteSynthesizer {
  private readonly idx: ReturnType<typeof featureIndex>;
  private readonly mcep: MelCepstrum;
  private readonly fft = new Fft(N);
  private readonly bandCentres: number[];
  private readonly lowCut = new Float64Array(BINS);
  // Scratch
  private readonly la = new Float64Array(BINS);
  private readonly re = new Float64Array(N);
  private readonly im = new Float64Array(N);
  private readonly nre = new Float64Array(N);
  private readonly nim = new Float64Array(N);

  private prev: PreparedFrame | null = null;
  private framesIn = 0;
  /** Next sample whose phase/grain clock has not been advanced. */
  private cursor = 0;
  private phase = 0;
  private nextGrain = 0;
  private rng = 0x9e3779b9;
  /** acc[i] is output sample accStart + i; everything before accStart has been emitted. */
  private acc = new Float64Array(4 * N);
  private accStart = 0;
  private pending: Float32Array[] = [];
  private finished = false;

  constructor(private readonly layout: LiteLayout) {
    this.idx = featureIndex(layout);
    this.mcep = new MelCepstrum(layout.mcepOrder, layout.alpha, BINS);
    const edges = layout.apBandEdgesHz;
    this.bandCentres = edges.slice(0, -1).map((lo, b) => (lo + edges[b + 1]) / 2);
    const df = LITE_SAMPLE_RATE / N;
    for (let k = 0; k < BINS; k++) {
      const f = k * df;
      const g = f >= LOW_CUT_HZ ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * f) / LOW_CUT_HZ);
      this.lowCut[k] = Math.log(Math.max(g, 1e-3));
    }
  }

  /** Samples emitted so far (all of them final). */
  get emitted(): number {
    return this.accStart;
  }

  /** Adds one frame of (dequantised) features; samples up to its centre become final. */
  pushFrame(features: ArrayLike<number>): void {
    if (this.finished) throw new Error('synthesiser already flushed');
    const frame = this.prepare(features);
    const t = this.framesIn++;
    const end = frameCenter(t);
    if (this.prev === null) this.render(end, frame, frame, -1, end);
    else this.render(end, this.prev, frame, frameCenter(t - 1), end);
    this.prev = frame;
  }

  /** Renders the rest of the last frame (holding its features) and ends the stream at frames × 320 samples. */
  flush(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.prev === null) return;
    const end = this.framesIn * LITE_HOP;
    this.render(end, this.prev, this.prev, 0, 0);
  }

  /** Final samples produced since the last call. */
  take(): Float32Array {
    const total = this.pending.reduce((n, p) => n + p.length, 0);
    const out = new Float32Array(total);
    let o = 0;
    for (const p of this.pending) {
      out.set(p, o);
      o += p.length;
    }
    this.pending = [];
    return out;
  }

  private prepare(features: ArrayLike<number>): PreparedFrame {
    const idx = this.idx;
    const c = new Float64Array(this.layout.mcepOrder + 1);
    for (let m = 0; m <= this.layout.mcepOrder; m++) c[m] = features[idx.mcep + m];
    const logAmp = this.mcep.toLogSpectrum(c);
    const ap = new Float64Array(BINS);
    const df = LITE_SAMPLE_RATE / N;
    const centres = this.bandCentres;
    const bandValue = (b: number) => Math.min(1, Math.max(0, features[idx.ap + b]));
    for (let k = 0; k < BINS; k++) {
      const f = k * df;
      let v: number;
      if (f <= centres[0]) v = bandValue(0);
      else if (f >= centres[centres.length - 1]) v = bandValue(centres.length - 1);
      else {
        let b = 0;
        while (f > centres[b + 1]) b++;
        const a = (f - centres[b]) / (centres[b + 1] - centres[b]);
        v = bandValue(b) * (1 - a) + bandValue(b + 1) * a;
      }
      ap[k] = v;
    }
    const lf0 = Math.min(Math.log(SYNTH_F0_MAX), Math.max(Math.log(SYNTH_F0_MIN), features[idx.lf0]));
    return { logAmp, ap, lf0, voiced: features[idx.vuv] >= 0.5 };
  }

  /**
   * Advances the clocks over samples [cursor, end), placing pulses and grains with features interpolated
   * between `a` (at centre ca) and `b` (at cb; a === b holds one frame), then emits samples before `emitTo`.
   */
  private render(end: number, a: PreparedFrame, b: PreparedFrame, ca: number, cb: number): void {
    const fs = LITE_SAMPLE_RATE;
    const span = cb - ca;
    const weightAt = (time: number) => (a === b || span <= 0 ? 0 : Math.min(1, Math.max(0, (time - ca) / span)));
    for (let n = this.cursor; n < end; n++) {
      const w = weightAt(n);
      const lf0 = a.lf0 + (b.lf0 - a.lf0) * w;
      const inc = Math.exp(lf0) / fs;
      if (this.phase + inc >= 1) {
        const tp = n + (1 - this.phase) / inc;
        this.phase = this.phase + inc - 1;
        const wp = weightAt(tp);
        if ((wp < 0.5 ? a : b).voiced) this.addPulse(tp, a, b, wp, fs / Math.exp(a.lf0 + (b.lf0 - a.lf0) * wp));
      } else {
        this.phase += inc;
      }
      if (n === this.nextGrain) {
        this.addGrain(n, a, b, weightAt(n + GRAIN / 2));
        this.nextGrain += GRAIN;
      }
    }
    this.cursor = end;
    this.emit(end);
  }

  private interpolate(a: PreparedFrame, b: PreparedFrame, w: number, share: (ap: number) => number, extra: number): Float64Array {
    const la = this.la;
    // Across a voicing boundary the aperiodicity jumps (an unvoiced frame is all noise): take the nearer
    // frame's instead of blending noise into the first and last periods of a voiced stretch.
    const apFrom = a.voiced === b.voiced ? null : w < 0.5 ? a : b;
    for (let k = 0; k < BINS; k++) {
      const logAmp = a.logAmp[k] + (b.logAmp[k] - a.logAmp[k]) * w;
      const ap = apFrom ? apFrom.ap[k] : a.ap[k] + (b.ap[k] - a.ap[k]) * w;
      la[k] = logAmp + 0.5 * Math.log(Math.max(share(ap), MIN_SHARE)) + this.lowCut[k] + extra;
    }
    return la;
  }

  private addPulse(tp: number, a: PreparedFrame, b: PreparedFrame, w: number, period: number): void {
    const la = this.interpolate(a, b, w, (ap) => 1 - ap, 0.5 * Math.log(period));
    const re = this.re;
    const im = this.im;
    minimumPhaseSpectrum(this.fft, la, re, im);
    const start = Math.floor(tp);
    const frac = tp - start;
    if (frac > 0) {
      // Delay by the fractional part: multiply by e^{−jωτ} on the positive bins, mirror the conjugate.
      for (let k = 0; k <= N / 2; k++) {
        const ph = (-2 * Math.PI * k * frac) / N;
        const c = Math.cos(ph);
        const s = Math.sin(ph);
        const r = re[k] * c - im[k] * s;
        im[k] = re[k] * s + im[k] * c;
        re[k] = r;
      }
      im[N / 2] = 0;
      for (let k = 1; k < N / 2; k++) {
        re[N - k] = re[k];
        im[N - k] = -im[k];
      }
    }
    this.fft.inverse(re, im);
    this.accumulate(start, re);
  }

  private addGrain(g: number, a: PreparedFrame, b: PreparedFrame, w: number): void {
    const la = this.interpolate(a, b, w, (ap) => ap, 0);
    const re = this.re;
    const im = this.im;
    minimumPhaseSpectrum(this.fft, la, re, im);
    const nre = this.nre;
    const nim = this.nim;
    nre.fill(0);
    nim.fill(0);
    const scale = Math.sqrt(3) * 2;
    for (let i = 0; i < GRAIN; i++) {
      // xorshift32: uniform in [−√3, √3), variance 1.
      let s = this.rng;
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      this.rng = s >>> 0;
      nre[i] = (this.rng / 2 ** 32 - 0.5) * scale;
    }
    this.fft.forward(nre, nim);
    for (let k = 0; k < N; k++) {
      const r = nre[k] * re[k] - nim[k] * im[k];
      nim[k] = nre[k] * im[k] + nim[k] * re[k];
      nre[k] = r;
    }
    this.fft.inverse(nre, nim);
    this.accumulate(g, nre);
  }

  private accumulate(start: number, response: Float64Array): void {
    const offset = start - this.accStart;
    if (offset < 0) throw new Error(`internal: event at ${start} before emitted samples (${this.accStart})`);
    const need = offset + N;
    if (need > this.acc.length) {
      const grown = new Float64Array(Math.max(need, 2 * this.acc.length));
      grown.set(this.acc);
      this.acc = grown;
    }
    for (let i = 0; i < N; i++) this.acc[offset + i] += response[i];
  }

  private emit(upTo: number): void {
    const count = upTo - this.accStart;
    if (count <= 0) return;
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.acc[i];
    this.pending.push(out);
    this.acc.copyWithin(0, count);
    this.acc.fill(0, this.acc.length - count);
    this.accStart = upTo;
  }
}

/** All frames of [frames][dims] features through a fresh synthesiser: frames × 320 samples. */
export function renderFeatures(layout: LiteLayout, data: Float64Array, frames: number, dims: number): Float32Array {
  const synth = new LiteSynthesizer(layout);
  for (let t = 0; t < frames; t++) synth.pushFrame(data.subarray(t * dims, (t + 1) * dims));
  synth.flush();
  return synth.take();
}

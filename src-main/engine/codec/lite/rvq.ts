/**
 * Residual vector quantisation: level 0 quantises the (weighted, centred) feature vector, each next level the
 * error left by the levels before it. Encoding is greedy (nearest entry per level), so the first L codes of a
 * frame are themselves the best L-level code — decoding with fewer levels degrades gracefully.
 */
export class ResidualVq {
  readonly levels: number;
  readonly size: number;
  readonly dims: number;
  /** [levels][size][dims], row-major. */
  private readonly codebooks: Float32Array;
  /** ‖entry‖² per [level][entry]. */
  private readonly norms: Float64Array;

  constructor(codebooks: Float32Array, levels: number, size: number, dims: number) {
    if (codebooks.length !== levels * size * dims) {
      throw new RangeError(`codebooks hold ${codebooks.length} values, expected ${levels}×${size}×${dims}`);
    }
    this.codebooks = codebooks;
    this.levels = levels;
    this.size = size;
    this.dims = dims;
    this.norms = new Float64Array(levels * size);
    for (let e = 0; e < levels * size; e++) {
      let s = 0;
      for (let d = 0; d < dims; d++) s += codebooks[e * dims + d] ** 2;
      this.norms[e] = s;
    }
  }

  /** Codes of `levels` levels for one vector; `residual` is overwritten with the remaining error. */
  encode(residual: Float64Array, levels: number, codes: Uint16Array | number[], codeOffset = 0): void {
    const { dims, size } = this;
    const cb = this.codebooks;
    for (let l = 0; l < levels; l++) {
      let best = 0;
      let bestDist = Infinity;
      const base = l * size;
      for (let e = 0; e < size; e++) {
        const row = (base + e) * dims;
        let dot = 0;
        for (let d = 0; d < dims; d++) dot += residual[d] * cb[row + d];
        // ‖r − c‖² − ‖r‖² = ‖c‖² − 2·r·c
        const dist = this.norms[base + e] - 2 * dot;
        if (dist < bestDist) {
          bestDist = dist;
          best = e;
        }
      }
      const row = (base + best) * dims;
      for (let d = 0; d < dims; d++) residual[d] -= cb[row + d];
      codes[codeOffset + l] = best;
    }
  }

  /** Sum of the entries named by `codes[offset .. offset+levels)`, written to `out`. */
  decode(codes: ArrayLike<number>, offset: number, levels: number, out: Float64Array): Float64Array {
    const { dims, size } = this;
    out.fill(0);
    for (let l = 0; l < levels; l++) {
      const row = (l * size + codes[offset + l]) * dims;
      for (let d = 0; d < dims; d++) out[d] += this.codebooks[row + d];
    }
    return out;
  }
}

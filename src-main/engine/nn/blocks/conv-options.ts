/** What the conv1d and convTranspose1d blocks both take, and their shared check of the group count. */
import type { ParamSource } from './params.js';

export interface ConvBlockOptions {
  params: ParamSource;
  name: string;
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  dilation?: number;
  groups?: number;
  /** default true, as PyTorch */
  bias?: boolean;
  scope?: string;
}

/** The group count (default 1); both channel counts must be multiples of it. `block` names the block in the error. */
export function convGroups(block: string, o: ConvBlockOptions): number {
  const groups = o.groups ?? 1;
  if (o.inChannels % groups !== 0 || o.outChannels % groups !== 0) {
    throw new Error(`${block} ${o.name}: channels ${o.inChannels}→${o.outChannels} not divisible by groups ${groups}`);
  }
  return groups;
}

import { parseArgs } from 'node:util';
import type { Clip, Speaker } from '../../src-shared/api/index.js';
import type { StudioClient } from '../../src-shared/client.js';
import { EXIT_OK, resolveHome, type CliIo } from './cli-io.js';
import { withEngine } from './engine-session.js';

export const libraryListHelp = `Usage: valle library list [--json] [--home DIR]

List the library's groups, their speakers and each speaker's clips (trashed items are left out).

Options:
  --json       print one JSON document instead of text
  --home DIR   studio home (default: $VALLE_STUDIO_HOME or ~/.valle-studio)
  -h, --help   show this help

JSON shape (stable; fields may be added, none removed or renamed while "format" stays the same):
  {
    "format": "valle-library-list/1",
    "groups": [ { "id": string, "name": string, "speakers": [Speaker] } ],
    "ungrouped": [Speaker]
  }
  Speaker = { "id": string, "name": string, "clips": [Clip] }
  Clip    = { "id": string, "name": string, "mediaId": string, "durationSec": number,
              "sampleRate": number, "channels": number, "language": string, "transcript": string }
Groups, speakers and clips are in the library's order (groups and speakers by name, clips oldest first).
`;

export interface LibraryListing {
  format: 'valle-library-list/1';
  groups: Array<{ id: string; name: string; speakers: ListedSpeaker[] }>;
  ungrouped: ListedSpeaker[];
}
interface ListedSpeaker {
  id: string;
  name: string;
  clips: ListedClip[];
}
type ListedClip = Pick<Clip, 'id' | 'name' | 'mediaId' | 'durationSec' | 'sampleRate' | 'channels' | 'language' | 'transcript'>;

export async function libraryListCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, home: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(libraryListHelp);
    return EXIT_OK;
  }
  const listing = await withEngine(resolveHome(values.home, io), io, readListing);
  io.stdout(values.json ? `${JSON.stringify(listing, null, 2)}\n` : formatListing(listing));
  return EXIT_OK;
}

async function readListing(client: StudioClient): Promise<LibraryListing> {
  const groups = await client.call('library.listGroups', {});
  const speakers = await client.call('library.listSpeakers', {});
  const listed = new Map<string, ListedSpeaker & { groupId: string | null }>();
  for (const speaker of speakers) listed.set(speaker.id, { ...(await listSpeaker(client, speaker)), groupId: speaker.groupId });
  const strip = ({ groupId: _groupId, ...speaker }: ListedSpeaker & { groupId: string | null }): ListedSpeaker => speaker;
  const inGroup = (groupId: string | null) => [...listed.values()].filter((s) => s.groupId === groupId).map(strip);
  return {
    format: 'valle-library-list/1',
    groups: groups.map((group) => ({ id: group.id, name: group.name, speakers: inGroup(group.id) })),
    ungrouped: inGroup(null),
  };
}

async function listSpeaker(client: StudioClient, speaker: Speaker): Promise<ListedSpeaker> {
  const clips = await client.call('library.listClips', { speakerId: speaker.id });
  return {
    id: speaker.id,
    name: speaker.name,
    clips: clips.map((clip) => ({
      id: clip.id,
      name: clip.name,
      mediaId: clip.mediaId,
      durationSec: clip.durationSec,
      sampleRate: clip.sampleRate,
      channels: clip.channels,
      language: clip.language,
      transcript: clip.transcript,
    })),
  };
}

function formatListing(listing: LibraryListing): string {
  const lines: string[] = [];
  const speakerLines = (speaker: ListedSpeaker, indent: string) => {
    const total = speaker.clips.reduce((sum, clip) => sum + clip.durationSec, 0);
    lines.push(`${indent}${speaker.name}  (${speaker.clips.length} clip(s), ${total.toFixed(1)} s)`);
    for (const clip of speaker.clips) lines.push(`${indent}  ${clip.name}  ${clip.durationSec.toFixed(2)} s${clip.transcript ? `  “${clip.transcript}”` : ''}`);
  };
  for (const group of listing.groups) {
    lines.push(`${group.name}/`);
    for (const speaker of group.speakers) speakerLines(speaker, '  ');
  }
  if (listing.ungrouped.length > 0) {
    lines.push('(no group)/');
    for (const speaker of listing.ungrouped) speakerLines(speaker, '  ');
  }
  if (lines.length === 0) lines.push('The library is empty. Import a folder with: valle library import <dir>');
  return `${lines.join('\n')}\n`;
}

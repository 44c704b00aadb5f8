import { createStudioClient, type StudioClient } from '../../src-shared/client.js';
import { EngineHost } from '../engine/host/engine-host.js';
import { connectInProcess } from '../engine/transport/in-process.js';
import { cliLog, type CliIo } from './cli-io.js';

/**
 * Runs `body` with a typed client connected to an in-process engine on `home`, then shuts the engine down.
 * `allowedRoots`: the folders this command may import from (the ones its user named).
 */
export async function withEngine<T>(
  home: string,
  io: CliIo,
  body: (client: StudioClient) => Promise<T>,
  options: { allowedRoots?: string[] } = {},
): Promise<T> {
  const host = await EngineHost.open({ home, hostKind: 'in-process', log: cliLog(io), allowedRoots: options.allowedRoots });
  const { wire, services } = connectInProcess(host);
  const client = createStudioClient(wire, services);
  try {
    return await body(client);
  } finally {
    client.close();
    await host.close();
  }
}

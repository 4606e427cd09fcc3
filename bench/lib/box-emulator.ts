import { Box } from '#lib/providers/box/index.js';
import { serveUntilStdinEnds } from './emulator-process.js';

/** What the Box benchmarks' emulator process publishes: its API and upload roots and an access token. */
export interface BoxEndpoints {
  api: string;
  upload: string;
  token: string;
}

/** `<script> serve <blobDir>`: a Box emulator until stdin closes; its endpoints go to stdout as JSON. */
export async function serveBox(blobDir: string): Promise<void> {
  await serveUntilStdinEnds<BoxEndpoints>(async () => {
    // Imported here, so that the class's processes load the client only.
    const { EmulatorServer } = await import('#lib/emulator/core/index.js');
    const { BoxEmulator } = await import('#lib/emulator/box/index.js');
    const server = new EmulatorServer({ blobDir });
    const emulator = new BoxEmulator({ accessTokenLifetimeSeconds: 24 * 3600 });
    emulator.install(server);
    await server.start();
    const endpoints: BoxEndpoints = {
      api: emulator.urls.api,
      upload: emulator.urls.upload,
      token: emulator.issueToken(),
    };
    return { endpoints, stop: () => server.stop() };
  });
}

/** A Box instance pointed at the emulator's endpoints. */
export function boxFor(endpoints: BoxEndpoints): Box {
  return new Box({
    apiUrl: `${endpoints.api}/2.0`,
    uploadUrl: `${endpoints.upload}/api/2.0`,
    authorization: `Bearer ${endpoints.token}`,
  });
}
